package io.switchboard.server.ws;

import io.netty.channel.ChannelPipeline;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;

/**
 * The WebSocket bridge at {@code /ws} on the HTTP listener: browsers join the same rooms as
 * framed-protocol sessions. The HTTP initializer calls {@link #addTo} after its request
 * aggregator and before its router.
 */
public final class WebSocketBridge {
    /** The path of the WebSocket endpoint. */
    public static final String PATH = "/ws";

    private WebSocketBridge() {
    }

    /** Adds the upgrade and bridge handlers; requests for other paths pass through untouched. */
    public static void addTo(ChannelPipeline pipeline, ServerConfig config, RoomHub hub, Metrics metrics) {
        // Not yet wired: requests to /ws reach the HTTP router, which answers 404.
    }
}
