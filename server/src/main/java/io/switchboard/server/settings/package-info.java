/**
 * The sections of the server's configuration, one immutable record per component that uses it:
 * {@code ServerConfig} (built and checked by its builder) hands each component its own section
 * ({@code config.framedConfig()}, {@code config.httpConfig()}, ...), and nothing below the launcher
 * and the configuration package sees the whole {@code ServerConfig} ({@code ArchitectureTest}).
 * The records only carry values: they are checked where the configuration is built. With
 * {@code session.SessionConfig} (the session core's rules) and {@code socketio.settings} (Engine.IO
 * and the Socket.IO layer) they are all the configuration a component sees.
 *
 * <p>This package depends on no server package but {@code session} and {@code socketio.settings}.
 */
package io.switchboard.server.settings;
