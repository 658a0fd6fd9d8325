package io.switchboard.server.socketio.engine;

/** Input that is not Engine.IO v4; carries which kind, for counting. No stack trace. */
final class EngineProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    final Malformed kind;

    EngineProtocolException(Malformed kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }
}
