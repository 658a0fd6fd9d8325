/**
 * The settings of the Socket.IO and Engine.IO layers, as records with no dependency on the rest of
 * the server, so that the server's configuration can hold them while those layers depend on it.
 */
package io.switchboard.server.socketio.settings;
