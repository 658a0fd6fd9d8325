/**
 * The HTTP/1.1 listener: {@code /healthz}, {@code /readyz}, {@code /metrics}, a built-in page,
 * static files and the WebSocket bridge's upgrade. Start at {@link
 * io.switchboard.server.http.HttpServerInitializer}, which wires the pipeline; {@link
 * io.switchboard.server.http.RequestGuard} turns away undecodable requests and unsafe paths
 * before anything else sees them; {@link io.switchboard.server.http.HttpRouter} answers requests and {@link
 * io.switchboard.server.http.StaticFiles} serves files. Every response, error or not, goes out
 * through {@link io.switchboard.server.http.response.HttpResponses}.
 */
package io.switchboard.server.http;
