package io.switchboard.server;

import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/** Tells routine disconnects (resets, broken pipes) apart from failures worth a warning. */
public final class Disconnects {
    private Disconnects() {
    }

    /** Whether the exception is a peer going away, which is logged below WARN. */
    public static boolean isRoutine(Throwable cause) {
        return cause instanceof IOException
                || cause instanceof ClosedChannelException
                || cause instanceof Errors.NativeIoException;
    }
}
