package io.switchboard.common.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.switchboard.testing.LeakRecorder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of {@link FrameDecoder} (docs/fuzzing.md). The input is a byte stream
 * delivered in chunks whose sizes the fuzzer chooses, to a decoder in an {@link EmbeddedChannel}
 * with Netty's leak detector at PARANOID (surefire's argLine).
 *
 * <p>Input layout, so that seeds can be written by hand: byte 0 picks the maximum frame length
 * (bits 0-1: 1 MiB default, 1024, 64, 6) and the number {@code n} of explicit chunk sizes (bits
 * 2-4); the next {@code n} bytes are chunk sizes (0-255, cut short by the end of the stream), and
 * everything after them is the stream, whose rest is the last chunk. A seed of {@code 00} followed
 * by frames is those frames in one write.
 *
 * <p>Properties, checked against a model that walks the length fields of the stream:
 * <ul>
 *   <li>no exception leaves the pipeline;</li>
 *   <li>exactly one output per complete frame (and one for a fatal length, after which nothing),
 *       each a {@link Frame}; an {@link InvalidFrame} carries only the codes that docs/protocol.md
 *       section 10 gives a decoder (100, 101, 200, 201, 205), the one the model predicts for its
 *       opcode and flags, and the frame's own request id and opcode byte;</li>
 *   <li>every valid frame re-encodes with {@link FrameEncoder} to exactly its bytes in the stream;</li>
 *   <li>every input buffer and every decoded payload ends with reference count 0, and the leak
 *       detector reports nothing.</li>
 * </ul>
 */
class FrameDecoderFuzzTest {
    private static final int[] MAX_LENGTHS = {Wire.DEFAULT_MAX_FRAME_LENGTH, 1024, 64, Wire.MIN_LENGTH};
    private static final Set<ErrorCode> DECODER_CODES = EnumSet.of(ErrorCode.FRAME_TOO_LARGE,
            ErrorCode.FRAME_TOO_SHORT, ErrorCode.UNKNOWN_OPCODE, ErrorCode.MALFORMED_BODY, ErrorCode.RESERVED_FLAGS);
    private static final Set<Opcode> PAYLOAD_OPCODES = EnumSet.of(Opcode.PING, Opcode.PONG, Opcode.ECHO,
            Opcode.ECHO_REPLY, Opcode.ACK);

    @FuzzTest(maxDuration = "20s")
    void decode(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int control = input[0] & 0xff;
        int max = MAX_LENGTHS[control & 3];
        int explicit = Math.min((control >>> 2) & 7, input.length - 1);
        int streamStart = 1 + explicit;
        byte[] stream = Arrays.copyOfRange(input, streamStart, input.length);
        List<byte[]> chunks = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < explicit; i++) {
            int size = Math.min(input[1 + i] & 0xff, stream.length - at);
            chunks.add(Arrays.copyOfRange(stream, at, at + size));
            at += size;
        }
        chunks.add(Arrays.copyOfRange(stream, at, stream.length));

        List<Expected> expected = model(stream, max);
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(max));
        List<ByteBuf> inputs = new ArrayList<>();
        List<Object> outputs = new ArrayList<>();
        try {
            for (byte[] chunk : chunks) {
                ByteBuf in = PooledByteBufAllocator.DEFAULT.buffer(Math.max(chunk.length, 1)).writeBytes(chunk);
                inputs.add(in);
                channel.writeInbound(in); // rethrows whatever the pipeline caught
                for (Object msg; (msg = channel.readInbound()) != null; ) {
                    outputs.add(msg);
                }
            }
            channel.finish(); // end of stream: a partial frame is dropped, never emitted
            for (Object msg; (msg = channel.readInbound()) != null; ) {
                outputs.add(msg);
            }
            check(stream, expected, outputs);
        } finally {
            for (Object msg : outputs) {
                ReferenceCountUtil.release(msg);
            }
            channel.finishAndReleaseAll();
        }
        for (ByteBuf in : inputs) {
            assertEquals(0, in.refCnt(), "an input buffer was not released");
        }
        for (Object msg : outputs) {
            if (msg instanceof ReferenceCounted) {
                assertEquals(0, ((ReferenceCounted) msg).refCnt(), () -> "a decoded payload is still referenced: " + msg);
            }
        }
        List<String> leaks = LeakRecorder.drain();
        if (!leaks.isEmpty()) {
            fail("leak detector reported (possibly from an earlier input):\n" + String.join("\n", leaks));
        }
    }

    /** What the decoder must emit for one complete frame (or fatal length) of the stream. */
    private record Expected(int offset, int end, ErrorCode fatal) {
    }

    /** Walks the length fields: the complete frames, then at most one fatal length. */
    private static List<Expected> model(byte[] stream, int max) {
        List<Expected> frames = new ArrayList<>();
        int offset = 0;
        while (stream.length - offset >= Wire.LENGTH_FIELD_BYTES) {
            long length = u32(stream, offset);
            if (length < Wire.MIN_LENGTH) {
                frames.add(new Expected(offset, stream.length, ErrorCode.FRAME_TOO_SHORT));
                break;
            }
            if (length > max) {
                frames.add(new Expected(offset, stream.length, ErrorCode.FRAME_TOO_LARGE));
                break;
            }
            long end = offset + Wire.LENGTH_FIELD_BYTES + length;
            if (end > stream.length) {
                break;
            }
            frames.add(new Expected(offset, (int) end, null));
            offset = (int) end;
        }
        return frames;
    }

    private static void check(byte[] stream, List<Expected> expected, List<Object> outputs) {
        assertEquals(expected.size(), outputs.size(), () -> "expected " + expected + " but the decoder emitted " + outputs);
        for (int i = 0; i < outputs.size(); i++) {
            Expected e = expected.get(i);
            Frame frame = assertInstanceOf(Frame.class, outputs.get(i));
            int available = e.end - e.offset;
            int requestId = available >= Wire.HEADER_BYTES ? (int) u32(stream, e.offset + 6) : 0;
            int opcodeByte = available > Wire.LENGTH_FIELD_BYTES ? stream[e.offset + 4] & 0xff : -1;
            if (e.fatal != null) {
                InvalidFrame invalid = assertInstanceOf(InvalidFrame.class, frame);
                assertEquals(e.fatal, invalid.error());
                assertTrue(invalid.fatal());
                // the header may have arrived in part only when the decoder saw the length
                assertTrue(invalid.requestId() == requestId || invalid.requestId() == 0, invalid::toString);
                assertTrue(invalid.opcodeByte() == opcodeByte || invalid.opcodeByte() == -1, invalid::toString);
                assertMessage(invalid);
                continue;
            }
            Opcode opcode = Opcode.of(opcodeByte);
            int flags = stream[e.offset + 5] & 0xff;
            if (frame instanceof InvalidFrame) {
                InvalidFrame invalid = (InvalidFrame) frame;
                assertTrue(DECODER_CODES.contains(invalid.error()), invalid::toString);
                assertFalse(invalid.fatal(), invalid::toString);
                assertEquals(requestId, invalid.requestId(), "request id of the skipped frame");
                assertEquals(opcodeByte, invalid.opcodeByte(), "opcode byte of the skipped frame");
                ErrorCode want = opcode == null ? ErrorCode.UNKNOWN_OPCODE
                        : (flags & ~opcode.allowedFlags()) != 0 ? ErrorCode.RESERVED_FLAGS : ErrorCode.MALFORMED_BODY;
                assertEquals(want, invalid.error(), invalid::toString);
                assertFalse(want == ErrorCode.MALFORMED_BODY && PAYLOAD_OPCODES.contains(opcode),
                        () -> "a payload-only frame is never malformed: " + invalid);
                assertMessage(invalid);
                continue;
            }
            assertNotEquals(null, opcode, () -> "an unassigned opcode decoded as " + frame);
            assertEquals(opcode, frame.opcode());
            assertEquals(flags, frame.flags(), "flags");
            assertEquals(requestId, frame.requestId(), "request id");
            ByteBuf encoded = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, frame);
            try {
                assertArrayEquals(Arrays.copyOfRange(stream, e.offset, e.end), ByteBufUtil.getBytes(encoded),
                        () -> frame + " does not re-encode to the bytes it came from");
            } finally {
                encoded.release();
            }
        }
    }

    private static void assertMessage(InvalidFrame invalid) {
        assertFalse(invalid.message().isBlank(), invalid::toString);
        assertFalse(invalid.message().indexOf('\n') >= 0, invalid::toString);
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xffL) << 24 | (b[at + 1] & 0xffL) << 16 | (b[at + 2] & 0xffL) << 8 | (b[at + 3] & 0xffL);
    }
}
