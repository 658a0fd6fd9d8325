package io.switchboard.server.session;

/**
 * The server's side of permissions, as the session core sees it: the policy for sessions
 * without a {@link Grant}, and where a permission refusal is counted and logged (implemented by
 * {@code auth.Authenticator}, which counts by cause for {@code /metrics} and logs with the refusal
 * log's rate limit).
 */
public interface Access {
    /** Today's behaviour, nothing counted: for sessions made without the server (tests, tools). */
    Access OPEN = new Access() {
        @Override
        public AccessPolicy policy() {
            return AccessPolicy.OPEN;
        }

        @Override
        public void refused(long sessionId, Refused refusal) {
        }
    };

    /** The policy for sessions without a grant. */
    AccessPolicy policy();

    /** A permission refusal ({@link Refused#cause()} is set) of this session; any thread. */
    void refused(long sessionId, Refused refusal);
}
