package io.switchboard.server.session;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The part of the server's configuration that the session core uses: room and event limits, the
 * slow-consumer policy and the peer-acknowledgement timeout. Every protocol's sessions obey the
 * same values.
 *
 * @param maxRoomsPerSession rooms one session may be in at once
 * @param maxRoomNameBytes the longest room name, in UTF-8 bytes
 * @param maxEventNameBytes the longest event name, in UTF-8 bytes
 * @param maxPayloadBytes the largest event payload
 * @param slowConsumerPolicy what happens to a member whose outbound buffer is full
 * @param writeBufferHighWaterMark the outbound buffer size above which a member is slow (for messages)
 * @param peerAckTimeout how long a publisher waits for a peer's acknowledgement
 * @param clock what a signed token's expiry is compared with (the system's clock; a test's own)
 */
public record SessionConfig(int maxRoomsPerSession, int maxRoomNameBytes, int maxEventNameBytes,
        int maxPayloadBytes, SlowConsumerPolicy slowConsumerPolicy, int writeBufferHighWaterMark,
        Duration peerAckTimeout, Clock clock) {
    public SessionConfig {
        Objects.requireNonNull(clock, "clock");
    }

    /** With the system's clock. */
    public SessionConfig(int maxRoomsPerSession, int maxRoomNameBytes, int maxEventNameBytes, int maxPayloadBytes,
            SlowConsumerPolicy slowConsumerPolicy, int writeBufferHighWaterMark, Duration peerAckTimeout) {
        this(maxRoomsPerSession, maxRoomNameBytes, maxEventNameBytes, maxPayloadBytes, slowConsumerPolicy,
                writeBufferHighWaterMark, peerAckTimeout, Clock.systemUTC());
    }
}
