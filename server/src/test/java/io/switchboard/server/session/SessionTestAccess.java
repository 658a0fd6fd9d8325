package io.switchboard.server.session;

/** What tests in other packages may read of the session core's internals. */
public final class SessionTestAccess {
    private SessionTestAccess() {
    }

    /** The cap on input parked behind a join. */
    public static int maxParked() {
        return Session.MAX_PARKED;
    }
}
