package io.switchboard.server.socketio;

/** The acknowledgement a client asked for with an event; answer it once. */
public interface Ack {
    /** Whether the client asked for an acknowledgement (when not, {@link #send} does nothing). */
    boolean requested();

    /** Answers with these arguments (the values {@code SioArgs} accepts). Later calls do nothing. */
    void send(Object... args);

    /** Answers with these arguments (as a handler received them, say). */
    void sendArgs(com.fasterxml.jackson.databind.node.ArrayNode args);
}
