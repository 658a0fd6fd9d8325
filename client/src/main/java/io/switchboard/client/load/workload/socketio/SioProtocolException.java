package io.switchboard.client.load.workload.socketio;

import java.io.IOException;

/** A server sent something Engine.IO v4 / Socket.IO v5 does not allow; the message names it. */
final class SioProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    SioProtocolException(String message) {
        super(message);
    }
}
