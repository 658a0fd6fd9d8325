package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.switchboard.server.socketio.protocol.SioEncoded;
import io.switchboard.server.socketio.protocol.SioEncoder;
import io.switchboard.server.socketio.protocol.SioPacket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded buffer behind connection state recovery: what a reconnecting client gets back. */
class ReplayTest {
    private final SioEncoder encoder = new SioEncoder(UnpooledByteBufAllocator.DEFAULT);

    private SioEncoded event(String name, long offset) {
        return encoder.encode(SioPacket.event("/", JsonNodeFactory.instance.arrayNode().add(name)
                .add(Long.toString(offset)), SioPacket.NO_ACK));
    }

    private void sent(Replay r, String name, long offset) {
        try (SioEncoded e = event(name, offset)) {
            r.sent(offset, e);
        }
    }

    private boolean hold(Replay r, String name, long offset) {
        try (SioEncoded e = event(name, offset)) {
            return r.hold(offset, e);
        }
    }

    private static List<String> texts(List<Replay.Entry> entries) {
        return entries.stream().map(Replay.Entry::text).toList();
    }

    @Test
    void theClientGetsWhatFollowsItsOffsetSentOrHeld() {
        Replay r = new Replay(10, 1 << 20);
        sent(r, "a", 1);
        sent(r, "b", 2);
        sent(r, "c", 3); // sent, perhaps lost in flight
        assertTrue(hold(r, "d", 4));
        assertEquals(List.of("2[\"c\",\"3\"]", "2[\"d\",\"4\"]"), texts(r.recover("2")));
        // What is older than that offset is gone; the rest is kept as sent, for a next loss.
        assertEquals(2, r.size());
        assertEquals(List.of("2[\"d\",\"4\"]"), texts(r.recover("3")));
        r.release();
    }

    @Test
    void anUnknownOrDroppedOffsetIsNoRecovery() {
        Replay r = new Replay(2, 1 << 20);
        sent(r, "a", 1);
        sent(r, "b", 2);
        sent(r, "c", 3); // drops a
        assertNull(r.recover("1"), "fell off the history");
        assertNull(r.recover("99"), "never sent");
        assertNull(r.recover("x"));
        assertNull(r.recover(null), "no offset, and the history no longer starts at the first event");
        r.release();
    }

    @Test
    void withoutAnOffsetTheWholeHistoryIfComplete() {
        Replay r = new Replay(10, 1 << 20);
        assertTrue(hold(r, "a", 1));
        assertEquals(1, r.recover(null).size());
        r.release();
    }

    @Test
    void packetsNeverSentAreNotDroppedButRefused() {
        Replay r = new Replay(3, 1 << 20);
        sent(r, "a", 1);
        assertTrue(hold(r, "b", 2));
        assertTrue(hold(r, "c", 3));
        assertTrue(hold(r, "d", 4), "drops the sent a");
        assertFalse(hold(r, "e", 5), "would drop b, never sent");
        r.release();
        Replay bytes = new Replay(100, 20);
        assertTrue(hold(bytes, "a", 1));
        assertFalse(hold(bytes, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 2), "larger than the byte bound");
        bytes.release();
    }
}
