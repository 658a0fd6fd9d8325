package io.switchboard.server.lifecycle;

/**
 * Fired as a user event down every open connection's pipeline when the server starts to shut
 * down gracefully. Each protocol answers in its own terms: the framed session sends BYE and keeps
 * answering until its client says BYE, the WebSocket session closes with 1001, the HTTP listener
 * closes idle connections and puts {@code Connection: close} on the next response, and the raw
 * echo closes once it has echoed what it read. A handler may see the event twice and must
 * ignore the second.
 */
public enum ShutdownEvent {
    /** The only instance. */
    INSTANCE
}
