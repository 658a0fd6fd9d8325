/**
 * The Switchboard server. Start with {@link io.switchboard.server.launch.Server} and
 * {@link io.switchboard.server.ServerConfig}; each protocol has its own package with one
 * initializer that wires its pipeline, and {@link io.switchboard.server.HandlerNames} names the
 * handlers.
 */
package io.switchboard.server;
