/**
 * The top of the server: {@link io.switchboard.server.launch.Server} binds every listener and
 * owns their lifecycle, {@link io.switchboard.server.launch.ServerMain} is the command line. No
 * other server package depends on this one.
 */
package io.switchboard.server.launch;
