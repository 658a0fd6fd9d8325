package io.switchboard.client;

/**
 * Receives JOINED and LEFT notices for rooms joined with presence; runs on the client's listener
 * executor.
 */
@FunctionalInterface
public interface PresenceListener {
    /**
     * @param room the room
     * @param sessionId who joined or left
     * @param name that session's display name
     * @param joined {@code true} for JOINED, {@code false} for LEFT
     */
    void onPresence(String room, long sessionId, String name, boolean joined);
}
