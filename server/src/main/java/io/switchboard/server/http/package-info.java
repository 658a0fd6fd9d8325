/**
 * The HTTP/1.1 listener: {@code /healthz}, {@code /readyz}, {@code /metrics}, a built-in page,
 * static files and the WebSocket bridge's upgrade. Start at {@link
 * io.switchboard.server.http.HttpServerInitializer}, which wires the pipeline; {@link
 * io.switchboard.server.http.RequestGuard} turns away undecodable requests and unsafe paths
 * before anything else sees them; {@link io.switchboard.server.http.HttpRouter} answers requests and {@link
 * io.switchboard.server.http.StaticFiles} serves files, looked up through the open-file cache
 * ({@link io.switchboard.server.http.FileCache}). {@link io.switchboard.server.http.Cors},
 * {@link io.switchboard.server.http.DynamicCompression} and {@link
 * io.switchboard.server.http.FlushConsolidation} are what the router adds to a response and how
 * it leaves. Every response, error or not, goes out through {@link
 * io.switchboard.server.http.response.HttpResponses}; the settings are {@link
 * io.switchboard.server.http.settings.HttpServing}.
 */
package io.switchboard.server.http;
