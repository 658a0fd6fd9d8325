package io.switchboard.server.socketio.protocol;

/**
 * The limits of {@link SioDecoder}: immutable, made once per server and shared by the decoders of
 * every connection. Each builder setter checks its value and names it when it is out of range.
 */
public final class SioDecoderOptions {
    /** The largest configurable attachment limit. */
    public static final int MAX_ATTACHMENTS_LIMIT = 1000;
    /** The largest configurable nesting depth (Jackson's own read limit). */
    public static final int MAX_NESTING_DEPTH_LIMIT = 1000;

    private static final SioDecoderOptions DEFAULTS = builder().build();

    private final int maxAttachments;
    private final int maxNestingDepth;
    private final int maxNamespaceLength;
    private final boolean rejectReservedEvents;

    private SioDecoderOptions(Builder b) {
        this.maxAttachments = b.maxAttachments;
        this.maxNestingDepth = b.maxNestingDepth;
        this.maxNamespaceLength = b.maxNamespaceLength;
        this.rejectReservedEvents = b.rejectReservedEvents;
    }

    /** 16 attachments, depth 32, namespaces up to 256 characters, reserved events refused. */
    public static SioDecoderOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The most binary attachments one packet may announce. */
    public int maxAttachments() {
        return maxAttachments;
    }

    /** The deepest nesting of arrays and objects in a payload; the top-level array or object is depth 1. */
    public int maxNestingDepth() {
        return maxNestingDepth;
    }

    /** The longest namespace, in characters, counting the leading {@code '/'}. */
    public int maxNamespaceLength() {
        return maxNamespaceLength;
    }

    /**
     * Whether EVENTs named {@code connect}, {@code connect_error}, {@code disconnect},
     * {@code disconnecting}, {@code newListener} or {@code removeListener} are refused, as the
     * reference server does for packets from clients. Turn it off to decode what a server sent.
     */
    public boolean rejectReservedEvents() {
        return rejectReservedEvents;
    }

    @Override
    public String toString() {
        return "SioDecoderOptions[maxAttachments=" + maxAttachments + ", maxNestingDepth=" + maxNestingDepth
                + ", maxNamespaceLength=" + maxNamespaceLength + ", rejectReservedEvents=" + rejectReservedEvents + "]";
    }

    /** Builds {@link SioDecoderOptions}; starts from the defaults. */
    public static final class Builder {
        private int maxAttachments = 16;
        private int maxNestingDepth = 32;
        private int maxNamespaceLength = 256;
        private boolean rejectReservedEvents = true;

        private Builder() {
        }

        public Builder maxAttachments(int value) {
            this.maxAttachments = check("maxAttachments", value, 1, MAX_ATTACHMENTS_LIMIT);
            return this;
        }

        public Builder maxNestingDepth(int value) {
            this.maxNestingDepth = check("maxNestingDepth", value, 1, MAX_NESTING_DEPTH_LIMIT);
            return this;
        }

        public Builder maxNamespaceLength(int value) {
            this.maxNamespaceLength = check("maxNamespaceLength", value, 1, 65_536);
            return this;
        }

        public Builder rejectReservedEvents(boolean value) {
            this.rejectReservedEvents = value;
            return this;
        }

        public SioDecoderOptions build() {
            return new SioDecoderOptions(this);
        }

        private static int check(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + " to " + max + ")");
            }
            return value;
        }
    }
}
