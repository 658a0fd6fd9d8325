package io.switchboard.client.load.workload.socketio;

import io.switchboard.client.load.workload.ConnectionContext;
import java.io.IOException;

/** Engine.IO over HTTP long-polling (not yet). */
final class PollingTransport {
    private PollingTransport() {
    }

    static void open(SioWorkload w, ConnectionContext ctx, SioConnection connection) {
        ctx.connectFailed(new IOException("transport polling: not implemented yet"));
    }
}
