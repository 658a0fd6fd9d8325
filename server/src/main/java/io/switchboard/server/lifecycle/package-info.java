/**
 * The server's lifecycle: graceful shutdown ({@link io.switchboard.server.lifecycle.Connections}
 * tracks every open connection and drains them, {@link io.switchboard.server.lifecycle.ShutdownEvent}
 * tells each protocol), systemd readiness notifications ({@link
 * io.switchboard.server.lifecycle.SystemdNotify}) and socket activation ({@link
 * io.switchboard.server.lifecycle.SocketActivation}). Start with {@code Server#shutdownGracefully}.
 */
package io.switchboard.server.lifecycle;
