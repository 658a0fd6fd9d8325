/**
 * The Switchboard server. This root package is the floor every listener stands on:
 * {@link io.switchboard.server.ServerConfig} (what embedding applications build), the listeners,
 * the handler names and the small handlers every pipeline shares. It depends only on the session
 * core ({@code session}, {@code rooms}) and the configuration's sections ({@code settings},
 * {@code socketio.settings}) below it; components are handed those sections, never the whole
 * {@code ServerConfig}. To run a server, start with
 * {@link io.switchboard.server.launch.Server}; the layers are drawn in {@code docs/architecture.md}.
 */
package io.switchboard.server;
