package io.switchboard.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Peers going away (directly or under a decoder) are routine; server faults are not. */
class DisconnectsTest {
    @Test
    void peerFailuresAreRoutine() {
        assertTrue(Disconnects.isRoutine(new IOException("Connection reset by peer")));
        assertTrue(Disconnects.isRoutine(new ClosedChannelException()));
        assertTrue(Disconnects.isRoutine(new DecoderException(new SSLHandshakeException("no cipher suites in common"))));
    }

    @Test
    void serverFaultsAreNot() {
        assertFalse(Disconnects.isRoutine(new IllegalStateException("bug")));
        assertFalse(Disconnects.isRoutine(new DecoderException("bug in a decoder")));
        assertFalse(Disconnects.isRoutine(new DecoderException(new NullPointerException())));
        assertFalse(Disconnects.isRoutine(new CorruptedFrameException("bad frame")));
    }
}
