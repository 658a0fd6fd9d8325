package io.switchboard.server.socketio.protocol;

/**
 * A Socket.IO message that breaks the protocol. The session layer closes the connection and
 * counts the refusal by {@link #reason()}; the message names the bad value. It carries no stack
 * trace: it is an answer to a peer's input, not a fault of the server.
 */
public final class SioDecodeException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final int QUOTE_LIMIT = 40;

    /** What was wrong, one value per kind of malformed input. */
    public enum Reason {
        /** An empty text message. */
        EMPTY_MESSAGE,
        /** The first character is not a packet type digit 0 to 6. */
        UNKNOWN_TYPE,
        /** BINARY_EVENT or BINARY_ACK without a canonical positive count followed by {@code '-'}. */
        BAD_ATTACHMENT_COUNT,
        /** More attachments announced than {@link SioDecoderOptions#maxAttachments()}. */
        TOO_MANY_ATTACHMENTS,
        /** A namespace not starting with {@code '/'}, too long, or with control characters. */
        BAD_NAMESPACE,
        /** An ack id that is not canonical digits, too large, missing on an ACK or present where none belongs. */
        BAD_ACK_ID,
        /** A payload that is not one JSON value (syntax, trailing data, non-finite number). */
        INVALID_JSON,
        /** Arrays and objects nested deeper than {@link SioDecoderOptions#maxNestingDepth()}. */
        NESTING_TOO_DEEP,
        /** Well-formed JSON of the wrong shape for the packet type. */
        INVALID_PAYLOAD,
        /** An EVENT from a client named like one of the events Socket.IO reserves. */
        RESERVED_EVENT,
        /** A placeholder that is malformed, out of range, repeated, missing, or in a packet without attachments. */
        BAD_PLACEHOLDER,
        /** A binary message when no attachment is expected. */
        UNEXPECTED_BINARY,
        /** A text message while the attachments of a binary packet are still expected. */
        UNEXPECTED_TEXT;

        /** The reason in lower case, for metric labels and logs. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    SioDecodeException(Reason reason, String message) {
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
    }

    /** What was wrong. */
    public Reason reason() {
        return reason;
    }

    /** {@code s} quoted for a message, shortened and with control characters escaped. */
    static String quote(CharSequence s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), QUOTE_LIMIT) + 8).append('"');
        int end = Math.min(s.length(), QUOTE_LIMIT);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
        if (s.length() > end) {
            b.append("...(").append(s.length()).append(" chars)");
        }
        return b.toString();
    }
}
