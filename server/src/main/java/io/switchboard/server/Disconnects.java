package io.switchboard.server;

import io.netty.channel.unix.Errors;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/** Tells routine disconnects (resets, broken pipes) apart from failures worth a warning. */
public final class Disconnects {
    private Disconnects() {
    }

    /**
     * Whether the exception is a peer going away, which is logged below WARN: an I/O error, or a
     * decoder's failure caused by one (a TLS record the peer broke off or garbled reaches the
     * pipeline as a DecoderException around an SSLException).
     */
    public static boolean isRoutine(Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof IOException
                || cause instanceof ClosedChannelException
                || cause instanceof Errors.NativeIoException;
    }
}
