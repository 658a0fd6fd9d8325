package io.switchboard.common.protocol;

/** Whom a PUBLISH goes to; the byte values are part of the wire format. */
public enum Target {
    /** Every member of one room. */
    ROOM(0),
    /** Every session on the server. */
    ALL(1),
    /** One session, by id. */
    SESSION(2);

    private final int code;

    Target(int code) {
        this.code = code;
    }

    /** The byte on the wire. */
    public int code() {
        return code;
    }

    /** The target for a wire byte, or {@code null} if unassigned. */
    public static Target of(int code) {
        for (Target target : values()) {
            if (target.code == code) {
                return target;
            }
        }
        return null;
    }
}
