package io.switchboard.client.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.switchboard.client.load.workload.PayloadSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Payload specs as written on the command line, and the bytes and sizes they generate. */
@Timeout(10)
class PayloadTest {
    @Test
    void parsesSizesRangesAndFiles() {
        assertEquals(PayloadSpec.fixed(64), PayloadSpec.parse("64"));
        assertEquals(PayloadSpec.fixed(2048), PayloadSpec.parse("2k"));
        assertEquals(PayloadSpec.fixed(1 << 20), PayloadSpec.parse("1M"));
        assertEquals(PayloadSpec.range(16, 1024), PayloadSpec.parse("16-1k"));
        assertEquals(PayloadSpec.file(Path.of("a/b.bin")), PayloadSpec.parse("@a/b.bin"));
        assertEquals("16-1024", PayloadSpec.parse("16-1k").toString());
        assertEquals("@a/b.bin", PayloadSpec.parse("@a/b.bin").toString());
        for (String bad : new String[] {"", "-1", "x", "10-5", "1-", "@", "65m", "1.5k"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PayloadSpec.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("payload: "), e.getMessage());
        }
    }

    @Test
    void generatedBytesAreSeededAndSlicesRotate() throws Exception {
        PayloadSpec spec = PayloadSpec.fixed(32);
        ByteBuf a = PayloadSource.sharedBytes(spec, 7, PooledByteBufAllocator.DEFAULT);
        ByteBuf b = PayloadSource.sharedBytes(spec, 7, PooledByteBufAllocator.DEFAULT);
        ByteBuf c = PayloadSource.sharedBytes(spec, 8, PooledByteBufAllocator.DEFAULT);
        try {
            assertEquals(32 + PayloadSource.OFFSETS, a.readableBytes());
            assertTrue(ByteBufUtil.equals(a, b), "same seed, same bytes");
            assertTrue(!ByteBufUtil.equals(a, c), "another seed, other bytes");
            PayloadSource source = PayloadSource.forLoop(spec, a, 1);
            Set<String> distinct = new HashSet<>();
            for (int i = 0; i < PayloadSource.OFFSETS; i++) {
                assertEquals(32, source.nextSize());
                ByteBuf slice = source.slice(source.nextOffset(), 32);
                distinct.add(ByteBufUtil.hexDump(slice));
                slice.release();
            }
            assertEquals(PayloadSource.OFFSETS, distinct.size(), "consecutive requests carry different bytes");
            assertEquals(0, source.nextOffset(), "offsets wrap around");
            assertEquals(1, a.refCnt(), "slices were released");
        } finally {
            a.release();
            b.release();
            c.release();
        }
    }

    @Test
    void rangeSizesAreUniformAndRepeatable() throws Exception {
        PayloadSpec spec = PayloadSpec.range(10, 19);
        ByteBuf shared = PayloadSource.sharedBytes(spec, 1, PooledByteBufAllocator.DEFAULT);
        try {
            PayloadSource one = PayloadSource.forLoop(spec, shared, 5);
            PayloadSource two = PayloadSource.forLoop(spec, shared, 5);
            int[] counts = new int[20];
            for (int i = 0; i < 100_000; i++) {
                int size = one.nextSize();
                assertEquals(size, two.nextSize(), "same loop seed, same sizes");
                counts[size]++;
            }
            for (int size = 10; size <= 19; size++) {
                assertEquals(10_000, counts[size], 500, "size " + size);
            }
            assertEquals(19, one.maxSize());
            assertEquals(10, one.minSize());
        } finally {
            shared.release();
        }
    }

    @Test
    void aFilePayloadIsTheWholeFileEveryTime(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("body.bin");
        Files.write(file, new byte[] {1, 2, 3, 4, 5});
        PayloadSpec spec = PayloadSpec.parse("@" + file);
        ByteBuf shared = PayloadSource.sharedBytes(spec, 1, PooledByteBufAllocator.DEFAULT);
        try {
            PayloadSource source = PayloadSource.forLoop(spec, shared, 1);
            for (int i = 0; i < 3; i++) {
                assertEquals(5, source.nextSize());
                assertEquals(0, source.nextOffset());
            }
            ByteBuf slice = source.slice(0, 5);
            assertEquals("0102030405", ByteBufUtil.hexDump(slice));
            slice.release();
        } finally {
            shared.release();
        }
        assertThrows(java.io.IOException.class, () -> PayloadSource.sharedBytes(PayloadSpec.parse("@" + dir.resolve("missing")),
                1, PooledByteBufAllocator.DEFAULT));
        assertNotEquals(PayloadSpec.fixed(5), spec);
    }
}
