package io.switchboard.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proves that the leak check can fail: a deliberately leaked buffer is reported. */
class LeakCheckSelfTest {
    @Test
    void leakedBufferIsReported() {
        assertTrue(LeakRecorder.isInstalled());
        leakOne();
        List<String> leaks = LeakRecorder.collect();
        assertFalse(leaks.isEmpty(), "a dropped buffer must be reported as a leak");
        assertTrue(leaks.get(0).contains("leakOne"), leaks.get(0));
        assertEquals(List.of(), LeakRecorder.collect(), "collect() clears what it returned");
    }

    private static void leakOne() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
        buf.writeLong(42);
        buf.touch("leakOne");
    }
}
