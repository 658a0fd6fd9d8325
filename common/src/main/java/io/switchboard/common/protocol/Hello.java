package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * The client's first frame: the protocol version it speaks, a display name and an auth token.
 *
 * @param requestId echoed in the WELCOME or ERROR that answers it
 * @param version the protocol version (currently {@value Wire#PROTOCOL_VERSION})
 * @param name a display name, at most {@value Wire#MAX_NAME_BYTES} bytes of UTF-8; may be empty
 * @param token the auth token, empty when the server needs none; never logged
 */
public record Hello(int requestId, int version, String name, String token) implements Frame {
    public Hello {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(token, "token");
    }

    @Override
    public Opcode opcode() {
        return Opcode.HELLO;
    }

    @Override
    public String toString() {
        return "Hello[requestId=" + requestId + ", version=" + version + ", name=" + name
                + ", token=" + (token.isEmpty() ? "none" : "<redacted>") + "]";
    }
}
