package io.switchboard.server.socketio.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.switchboard.server.TrackingAllocator;
import io.switchboard.testing.LeakRecorder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of Engine.IO v4 decoding (docs/fuzzing.md): the input is both a polling
 * payload ({@link EngineCodec#decodePayload}) and a WebSocket text frame
 * ({@link EngineCodec#decodePacket} over all of it).
 *
 * <p>Properties: the only exception is {@link EngineProtocolException}, of the kinds a decoder can
 * report (empty packet, bad packet type, bad base64: docs/socketio.md, "Malformed input"); on
 * failure no buffer the decoder allocated stays referenced, and the input buffer is untouched; on
 * success the payload has one packet per record separator plus one, it re-encodes
 * ({@link EngineCodec#encodePayload}) and decodes back to the same packets (types, texts, binary
 * bytes), and a canonical input (valid UTF-8, padded base64 without stray bits) re-encodes to
 * exactly its bytes; once the packets are released nothing stays referenced.
 */
class EngineCodecFuzzTest {
    private static final Set<Malformed> DECODE_KINDS = EnumSet.of(Malformed.EMPTY_PACKET, Malformed.BAD_PACKET_TYPE,
            Malformed.BAD_BASE64);

    @FuzzTest(maxDuration = "20s")
    void decode(byte[] input) {
        ByteBuf in = PooledByteBufAllocator.DEFAULT.heapBuffer(Math.max(input.length, 1)).writeBytes(input);
        try {
            payload(in, input);
            frame(in, input);
            assertEquals(0, in.readerIndex(), "the decoder must not consume its input");
            assertEquals(1, in.refCnt(), "the decoder must not release its input");
        } finally {
            in.release();
        }
        List<String> leaks = LeakRecorder.drain();
        if (!leaks.isEmpty()) {
            fail("leak detector reported (possibly from an earlier input):\n" + String.join("\n", leaks));
        }
    }

    private static void payload(ByteBuf in, byte[] input) {
        TrackingAllocator alloc = new TrackingAllocator();
        List<EnginePacket> packets;
        try {
            packets = EngineCodec.decodePayload(in, alloc);
        } catch (EngineProtocolException e) {
            assertTrue(DECODE_KINDS.contains(e.kind), e::toString);
            assertNotNull(e.getMessage());
            assertEquals(0, alloc.unreleased(), () -> "a failed decode left buffers allocated: " + e);
            return;
        }
        try {
            int separators = 0;
            for (byte b : input) {
                separators += b == EngineCodec.SEPARATOR ? 1 : 0;
            }
            assertEquals(separators + 1, packets.size());
            ByteBuf again = EngineCodec.encodePayload(packets, alloc);
            try {
                List<EnginePacket> back;
                try {
                    back = EngineCodec.decodePayload(again, alloc);
                } catch (EngineProtocolException e) {
                    throw new AssertionError("re-encoded payload " + ByteBufUtil.hexDump(again) + " does not decode", e);
                }
                try {
                    assertSame(packets, back);
                } finally {
                    back.forEach(EnginePacket::release);
                }
                if (canonical(packets, input)) {
                    assertArrayEquals(input, ByteBufUtil.getBytes(again), "a canonical payload re-encodes to itself");
                }
            } finally {
                again.release();
            }
        } finally {
            packets.forEach(EnginePacket::release);
        }
        assertEquals(0, alloc.unreleased(), "released packets leave nothing allocated");
    }

    private static void frame(ByteBuf in, byte[] input) {
        TrackingAllocator alloc = new TrackingAllocator();
        try {
            EnginePacket p = EngineCodec.decodePacket(in, 0, input.length, alloc);
            try {
                if (!p.isBinary()) {
                    ByteBuf text = EngineCodec.encodeText(p, alloc);
                    try {
                        EnginePacket back = EngineCodec.decodePacket(text, text.readerIndex(), text.readableBytes(), alloc);
                        assertSame(List.of(p), List.of(back));
                    } finally {
                        text.release();
                    }
                }
            } finally {
                p.release();
            }
        } catch (EngineProtocolException e) {
            assertTrue(DECODE_KINDS.contains(e.kind), e::toString);
        }
        assertEquals(0, alloc.unreleased(), "a decoded frame leaves nothing allocated once released");
    }

    private static void assertSame(List<EnginePacket> expected, List<EnginePacket> actual) {
        assertEquals(expected.size(), actual.size(), () -> expected + " vs " + actual);
        for (int i = 0; i < expected.size(); i++) {
            EnginePacket e = expected.get(i);
            EnginePacket a = actual.get(i);
            assertEquals(e.type, a.type);
            assertEquals(e.isBinary(), a.isBinary());
            if (e.isBinary()) {
                assertArrayEquals(ByteBufUtil.getBytes(e.binary), ByteBufUtil.getBytes(a.binary));
            } else {
                assertEquals(e.text, a.text);
            }
        }
    }

    /** Whether re-encoding must give the input back byte for byte. */
    private static boolean canonical(List<EnginePacket> packets, byte[] input) {
        if (!ByteBufUtil.isText(io.netty.buffer.Unpooled.wrappedBuffer(input), java.nio.charset.StandardCharsets.UTF_8)) {
            return false;
        }
        List<String> segments = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= input.length; i++) {
            if (i == input.length || input[i] == EngineCodec.SEPARATOR) {
                segments.add(new String(input, start, i - start, java.nio.charset.StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        for (int i = 0; i < packets.size(); i++) {
            if (packets.get(i).isBinary()) {
                String b64 = segments.get(i).substring(1);
                byte[] bytes = ByteBufUtil.getBytes(packets.get(i).binary);
                if (!java.util.Base64.getEncoder().encodeToString(bytes).equals(b64)) {
                    return false; // unpadded, or stray bits in the last character
                }
            }
        }
        return true;
    }
}
