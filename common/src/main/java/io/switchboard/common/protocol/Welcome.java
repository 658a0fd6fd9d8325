package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * The server's answer to a successful HELLO.
 *
 * @param requestId the HELLO's request id
 * @param version the protocol version the session will use
 * @param sessionId this session's id, unique on the server while it runs
 * @param maxFrameLength the largest length field the server accepts
 * @param idleTimeoutMillis the server closes a session that sends nothing for this long; 0 = never
 * @param server the server's name and version, for example {@code switchboard/0.1.0}
 */
public record Welcome(int requestId, int version, long sessionId, int maxFrameLength,
        int idleTimeoutMillis, String server) implements Frame {
    public Welcome {
        Objects.requireNonNull(server, "server");
    }

    @Override
    public Opcode opcode() {
        return Opcode.WELCOME;
    }
}
