package io.switchboard.server.session;

/**
 * What a session without a {@link Grant} (no signed token: a static token, or none) may do; a
 * session with a grant does what its grant says, and {@link #MEMBERS_ONLY} applies to it too.
 */
public enum AccessPolicy {
    /** Everything: join any room, publish into any room, broadcast, send to any session. */
    OPEN("open"),
    /** As {@link #OPEN}, except that publishing into a room needs having joined it, for every session. */
    MEMBERS_ONLY("members-only"),
    /** Nothing: a session needs a valid signed token to start at all. */
    TOKEN_REQUIRED("token-required");

    private final String label;

    AccessPolicy(String label) {
        this.label = label;
    }

    /** The configuration value ({@code auth.default-policy}). */
    public String label() {
        return label;
    }

    /** The policy of a configuration value, or {@code null}. */
    public static AccessPolicy of(String label) {
        for (AccessPolicy p : values()) {
            if (p.label.equals(label)) {
                return p;
            }
        }
        return null;
    }
}
