package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.assertSameFrame;
import static io.switchboard.common.protocol.CodecTestSupport.assertSameFrames;
import static io.switchboard.common.protocol.CodecTestSupport.concat;
import static io.switchboard.common.protocol.CodecTestSupport.decode;
import static io.switchboard.common.protocol.CodecTestSupport.decodeChunks;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.pattern;
import static io.switchboard.common.protocol.CodecTestSupport.payloadFrame;
import static io.switchboard.common.protocol.CodecTestSupport.pooled;
import static io.switchboard.common.protocol.CodecTestSupport.rawFrame;
import static io.switchboard.common.protocol.CodecTestSupport.readAll;
import static io.switchboard.common.protocol.CodecTestSupport.releaseAll;
import static io.switchboard.common.protocol.CodecTestSupport.spacedHex;
import static io.switchboard.common.protocol.CodecTestSupport.str16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rooms, events and acks through {@link FrameEncoder} and {@link FrameDecoder}: every new frame
 * type with every flag it allows, exact layouts, split input, and who owns which buffer.
 */
class RoomsCodecTest {
    static final int[] PAYLOAD_SIZES = FrameCodecTest.PAYLOAD_SIZES;
    static final String ROOM = "chat/lobby·Zoë·東京·🚀";
    /** A session id with the top bit set: u64 on the wire, negative as a Java long. */
    static final long SESSION = 0xFEDC_BA98_7654_3210L;

    /** Every subset of the bits in {@code mask}, 0 included. */
    static List<Integer> flagCombinations(int mask) {
        List<Integer> subsets = new ArrayList<>();
        for (int flags = 0; flags <= 0xFF; flags++) {
            if ((flags & ~mask) == 0) {
                subsets.add(flags);
            }
        }
        return subsets;
    }

    static Publish publish(int requestId, int flags, Target target, String event, byte[] payload) {
        return new Publish(requestId, flags, target, target == Target.ROOM ? ROOM : "",
                target == Target.SESSION ? SESSION : 0, event, pooled(payload));
    }

    static Event event(int requestId, int flags, long sender, Target target, String event, byte[] payload) {
        return new Event(requestId, flags, sender, target, target == Target.ROOM ? ROOM : "", event, pooled(payload));
    }

    static List<MembersReply.MemberInfo> members(int n) {
        String[] names = {"Zoë", "Ωmega", "東京", "🚀 rocket", "", "plain"};
        List<MembersReply.MemberInfo> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            members.add(new MembersReply.MemberInfo(i == 0 ? -1L : i * 0x1_0000_0001L, names[i % names.length] + i));
        }
        return members;
    }

    // ---------------------------------------------------------------- the flag table

    @Test
    void opcodesAllowTheDocumentedFlags() {
        assertEquals(0x01, Flags.ACK);
        assertEquals(0x02, Flags.PRESENCE);
        assertEquals(0x04, Flags.INCLUDE_SELF);
        assertEquals(0x08, Flags.PEER_ACK);
        assertEquals(0x10, Flags.JSON);
        assertEquals(0x20, Flags.BINARY);
        for (Opcode opcode : Opcode.values()) {
            int expected = switch (opcode) {
                case JOIN -> Flags.ACK | Flags.PRESENCE;
                case LEAVE -> Flags.ACK;
                case PUBLISH -> Flags.ACK | Flags.INCLUDE_SELF | Flags.PEER_ACK | Flags.JSON | Flags.BINARY;
                case EVENT -> Flags.PEER_ACK | Flags.JSON | Flags.BINARY;
                default -> 0;
            };
            assertEquals(expected, opcode.allowedFlags(), opcode::toString);
        }
    }

    @Test
    void roomOpcodesHaveTheDocumentedBytesAndDirections() {
        Object[][] table = {
                {Opcode.JOIN, 0x10, Opcode.Direction.TO_SERVER},
                {Opcode.LEAVE, 0x11, Opcode.Direction.TO_SERVER},
                {Opcode.PUBLISH, 0x12, Opcode.Direction.TO_SERVER},
                {Opcode.EVENT, 0x13, Opcode.Direction.TO_CLIENT},
                {Opcode.ACK, 0x14, Opcode.Direction.BOTH},
                {Opcode.MEMBERS, 0x15, Opcode.Direction.TO_SERVER},
                {Opcode.MEMBERS_REPLY, 0x16, Opcode.Direction.TO_CLIENT},
                {Opcode.JOINED, 0x17, Opcode.Direction.TO_CLIENT},
                {Opcode.LEFT, 0x18, Opcode.Direction.TO_CLIENT},
        };
        for (Object[] row : table) {
            Opcode opcode = (Opcode) row[0];
            assertEquals(row[1], opcode.code(), opcode::toString);
            assertEquals(row[2], opcode.direction(), opcode::toString);
            assertEquals(opcode, Opcode.of((Integer) row[1]));
        }
        for (int code = 0x19; code <= 0x2F; code++) {
            assertNull(Opcode.of(code), "0x" + Integer.toHexString(code) + " is reserved, not assigned");
        }
        assertEquals(Target.ROOM, Target.of(0));
        assertEquals(Target.ALL, Target.of(1));
        assertEquals(Target.SESSION, Target.of(2));
        assertNull(Target.of(3));
        assertNull(Target.of(255));
    }

    // ---------------------------------------------------------------- round trips

    static Stream<Arguments> frames() {
        List<Arguments> cases = new ArrayList<>();
        int[] requestIds = {0, 1, -1, Integer.MIN_VALUE, 0x1234_5678};
        for (int flags : flagCombinations(Opcode.JOIN.allowedFlags())) {
            add(cases, "JOIN flags " + flags, () -> new Join(7, flags, ROOM));
        }
        add(cases, "JOIN 128-byte room", () -> new Join(-1, Flags.ACK, "r".repeat(128)));
        add(cases, "JOIN empty room (the server refuses it, the codec does not)", () -> new Join(0, 0, ""));
        for (int flags : flagCombinations(Opcode.LEAVE.allowedFlags())) {
            add(cases, "LEAVE flags " + flags, () -> new Leave(8, flags, ROOM));
        }
        int n = 0;
        for (Target target : Target.values()) {
            for (int flags : flagCombinations(Opcode.PUBLISH.allowedFlags())) {
                for (int size : PAYLOAD_SIZES) {
                    int requestId = requestIds[n++ % requestIds.length];
                    byte[] payload = pattern(size, n);
                    add(cases, "PUBLISH " + target + " flags " + flags + " " + size + " B",
                            () -> publish(requestId, flags, target, "ëvent", payload));
                }
            }
        }
        add(cases, "PUBLISH to session 2^64-1, empty event name",
                () -> new Publish(3, Flags.PEER_ACK, Target.SESSION, "", -1L, "", pooled(pattern(3, 3))));
        for (Target target : Target.values()) {
            for (int flags : flagCombinations(Opcode.EVENT.allowedFlags())) {
                for (int size : PAYLOAD_SIZES) {
                    int requestId = flags == 0 ? 0 : 0x7FFF_FFF0 + size % 7;
                    byte[] payload = pattern(size, n++);
                    add(cases, "EVENT " + target + " flags " + flags + " " + size + " B",
                            () -> event(requestId, flags, SESSION, target, "名前", payload));
                }
            }
        }
        for (int size : PAYLOAD_SIZES) {
            int requestId = requestIds[n++ % requestIds.length];
            byte[] payload = pattern(size, n);
            add(cases, "ACK " + size + " B", () -> new Ack(requestId, pooled(payload)));
        }
        add(cases, "MEMBERS", () -> new Members(9, ROOM));
        add(cases, "MEMBERS page", () -> new Members(9, ROOM, -2L, Members.MAX_LIMIT));
        add(cases, "MEMBERS_REPLY last page", () -> new MembersReply(9, ROOM, members(3), true, 0));
        add(cases, "MEMBERS_REPLY page with more", () -> new MembersReply(9, ROOM, members(2), true, -1L));
        add(cases, "MEMBERS_REPLY 0 members", () -> new MembersReply(9, ROOM, members(0)));
        add(cases, "MEMBERS_REPLY 1 member", () -> new MembersReply(10, ROOM, members(1)));
        add(cases, "MEMBERS_REPLY 1000 members", () -> new MembersReply(-11, ROOM, members(1000)));
        add(cases, "JOINED", () -> new Presence(Opcode.JOINED, ROOM, SESSION, "Zoë"));
        add(cases, "LEFT", () -> new Presence(Opcode.LEFT, ROOM, 1, ""));
        return cases.stream();
    }

    private static void add(List<Arguments> cases, String name, Supplier<Frame> sample) {
        cases.add(Arguments.of(name, sample));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void roundTrips(String name, Supplier<Frame> sample) {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        Frame original = sample.get();
        ByteBuf source = original instanceof ByteBufHolder ? ((ByteBufHolder) original).content() : null;
        Frame expected = sample.get();
        Frame decoded = null;
        try {
            assertTrue(encoder.writeOutbound(original));
            ByteBuf wire = encoder.readOutbound();
            assertNull(encoder.readOutbound(), "one buffer per frame");
            int at = wire.readerIndex();
            assertEquals(wire.readableBytes() - Wire.LENGTH_FIELD_BYTES, wire.getInt(at),
                    "the length field counts every byte after itself");
            assertEquals(expected.opcode().code(), wire.getUnsignedByte(at + 4), "opcode byte");
            assertEquals(expected.flags(), wire.getUnsignedByte(at + 5), "flags byte");
            assertEquals(expected.requestId(), wire.getInt(at + 6), "request id");

            assertTrue(decoder.writeInbound(wire));
            decoded = decoder.readInbound();
            assertNull(decoder.readInbound(), "exactly one frame");
            assertSameFrame(expected, decoded);
            assertEquals(expected.flags(), decoded.flags(), "flags");
            ReferenceCountUtil.release(decoded);
            decoded = null;
            assertEquals(0, wire.refCnt(), "the encoded buffer is released once the decoded frame is");
            if (source != null) {
                assertEquals(0, source.refCnt(), "the original payload is released");
            }
        } finally {
            ReferenceCountUtil.release(expected);
            ReferenceCountUtil.release(decoded);
            assertFalse(encoder.finishAndReleaseAll());
            assertFalse(decoder.finishAndReleaseAll());
        }
    }

    // ---------------------------------------------------------------- exact layouts (as in docs/protocol.md)

    @Test
    void joinLeaveAndMembersLayout() {
        assertEquals("00 00 00 0a 10 03 00 00 00 05 00 02 72 31", spacedHex(encode(new Join(5, Flags.ACK | Flags.PRESENCE, "r1"))));
        assertEquals("00 00 00 0a 11 01 00 00 00 06 00 02 72 31", spacedHex(encode(new Leave(6, Flags.ACK, "r1"))));
        assertEquals("00 00 00 0a 15 00 00 00 00 07 00 02 72 31", spacedHex(encode(new Members(7, "r1"))));
        assertEquals("00 00 00 16 15 00 00 00 00 07 00 02 72 31 00 00 00 00 00 00 00 2a 00 00 03 e8",
                spacedHex(encode(new Members(7, "r1", 42, 1000))));
    }

    @Test
    void publishLayoutForEachTarget() {
        // target 0: u8 target, str16 room, str16 event, payload
        assertEquals("00 00 00 10 12 05 00 00 00 08 00 00 02 72 31 00 01 65 aa bb",
                spacedHex(encode(new Publish(8, Flags.ACK | Flags.INCLUDE_SELF, Target.ROOM, "r1", 0, "e",
                        pooled(hex("aa bb"))))));
        // target 1: u8 target, str16 event, payload (no room, no session id)
        assertEquals("00 00 00 0b 12 00 00 00 00 09 01 00 01 65 cc",
                spacedHex(encode(new Publish(9, 0, Target.ALL, "", 0, "e", pooled(hex("cc"))))));
        // target 2: u8 target, u64 session id, str16 event, payload
        assertEquals("00 00 00 13 12 08 00 00 00 0a 02 01 02 03 04 05 06 07 08 00 01 65 dd",
                spacedHex(encode(new Publish(10, Flags.PEER_ACK, Target.SESSION, "", 0x0102030405060708L, "e",
                        pooled(hex("dd"))))));
        // empty event name and payload
        assertEquals("00 00 00 09 12 00 00 00 00 0b 01 00 00",
                spacedHex(encode(new Publish(11, 0, Target.ALL, "", 0, "", pooled(new byte[0])))));
    }

    @Test
    void eventLayout() {
        // u64 sender, u8 target, str16 room (empty unless target 0), str16 event, payload
        assertEquals("00 00 00 17 13 00 00 00 00 00 00 00 00 00 00 00 00 2a 00 00 02 72 31 00 01 65 ee",
                spacedHex(encode(new Event(0, 0, 42, Target.ROOM, "r1", "e", pooled(hex("ee"))))));
        assertEquals("00 00 00 15 13 08 00 00 00 63 ff ff ff ff ff ff ff ff 02 00 00 00 01 65 ee",
                spacedHex(encode(new Event(99, Flags.PEER_ACK, -1L, Target.SESSION, "", "e", pooled(hex("ee"))))));
        assertEquals("00 00 00 13 13 00 00 00 00 00 00 00 00 00 00 00 00 01 01 00 00 00 00",
                spacedHex(encode(new Event(0, 0, 1, Target.ALL, "", "", pooled(new byte[0])))));
    }

    @Test
    void ackLayout() {
        assertEquals("00 00 00 06 14 00 00 00 00 0c", spacedHex(encode(new Ack(12, pooled(new byte[0])))));
        assertEquals("00 00 00 08 14 00 00 00 00 0d 6f 6b", spacedHex(encode(new Ack(13, pooled(hex("6f 6b"))))));
    }

    @Test
    void membersReplyLayout() {
        assertEquals("00 00 00 0e 16 00 00 00 00 0e 00 02 72 31 00 00 00 00",
                spacedHex(encode(new MembersReply(14, "r1", List.of()))));
        assertEquals("00 00 00 25 16 00 00 00 00 0e 00 02 72 31 00 00 00 02"
                        + " 00 00 00 00 00 00 00 01 00 01 61"
                        + " 00 00 00 00 00 00 00 02 00 02 c3 ab",
                spacedHex(encode(new MembersReply(14, "r1", List.of(new MembersReply.MemberInfo(1, "a"),
                        new MembersReply.MemberInfo(2, "ë"))))));
        assertEquals("00 00 00 21 16 00 00 00 00 0e 00 02 72 31 00 00 00 01"
                        + " 00 00 00 00 00 00 00 01 00 01 61"
                        + " 00 00 00 00 00 00 00 01",
                spacedHex(encode(new MembersReply(14, "r1", List.of(new MembersReply.MemberInfo(1, "a")), true, 1))));
    }

    @Test
    void joinedAndLeftLayout() {
        assertEquals("00 00 00 15 17 00 00 00 00 00 00 02 72 31 00 00 00 00 00 00 00 03 00 01 62",
                spacedHex(encode(new Presence(Opcode.JOINED, "r1", 3, "b"))));
        assertEquals("00 00 00 15 18 00 00 00 00 00 00 02 72 31 00 00 00 00 00 00 00 03 00 01 62",
                spacedHex(encode(new Presence(Opcode.LEFT, "r1", 3, "b"))));
    }

    /** Layouts written by hand from the spec decode to the frames they describe. */
    @Test
    void handWrittenBytesDecode() {
        byte[] bytes = concat(
                rawFrame(0x10, 0x03, 1, str16("r1")),
                rawFrame(0x11, 0x00, 2, str16("r1")),
                rawFrame(0x15, 0x00, 3, str16("r1")),
                rawFrame(0x16, 0x00, 4, concat(str16("r1"), hex("00 00 00 01 00 00 00 00 00 00 00 09"), str16("ë"))),
                rawFrame(0x17, 0x00, 0, concat(str16("r1"), hex("00 00 00 00 00 00 00 09"), str16("ë"))),
                rawFrame(0x18, 0x00, 0, concat(str16("r1"), hex("00 00 00 00 00 00 00 09"), str16(""))));
        assertEquals(List.of(new Join(1, 3, "r1"), new Leave(2, 0, "r1"), new Members(3, "r1"),
                new MembersReply(4, "r1", List.of(new MembersReply.MemberInfo(9, "ë"))),
                new Presence(Opcode.JOINED, "r1", 9, "ë"), new Presence(Opcode.LEFT, "r1", 9, "")),
                decode(Wire.DEFAULT_MAX_FRAME_LENGTH, bytes));
    }

    @Test
    void handWrittenPayloadFramesDecode() {
        byte[] bytes = concat(
                rawFrame(0x12, 0x0d, 1, concat(hex("02 00 00 00 00 00 00 00 07"), str16("e"), hex("01 02"))),
                rawFrame(0x12, 0x00, 2, concat(hex("01"), str16("e"))),
                rawFrame(0x13, 0x08, 3, concat(hex("00 00 00 00 00 00 00 05 00"), str16("r"), str16("e"), hex("03"))),
                rawFrame(0x14, 0x00, 4, new byte[0]));
        List<Frame> expected = List.of(
                new Publish(1, 0x0d, Target.SESSION, "", 7, "e", pooled(hex("01 02"))),
                new Publish(2, 0, Target.ALL, "", 0, "e", pooled(new byte[0])),
                new Event(3, Flags.PEER_ACK, 5, Target.ROOM, "r", "e", pooled(hex("03"))),
                new Ack(4, pooled(new byte[0])));
        try {
            decode(Wire.DEFAULT_MAX_FRAME_LENGTH, bytes, decoded -> assertSameFrames(expected, decoded));
        } finally {
            releaseAll(expected);
        }
    }

    // ---------------------------------------------------------------- split input

    /** A session's worth of room traffic, both directions mixed, one payload above the copy threshold. */
    private static List<Frame> streamFrames() {
        return streamFrames(FrameEncoder.COPY_THRESHOLD + 1);
    }

    /** The same with the largest payload {@code bigPayload} bytes long. */
    private static List<Frame> streamFrames(int bigPayload) {
        return List.of(
                new Join(1, Flags.ACK | Flags.PRESENCE, ROOM),
                new Ack(1, pooled(new byte[0])),
                new Presence(Opcode.JOINED, ROOM, 2, "bob"),
                publish(2, Flags.ACK, Target.ROOM, "msg", pattern(17, 2)),
                event(0, 0, 2, Target.ROOM, "msg", pattern(bigPayload, 3)),
                payloadFrame(Opcode.PING, 3, pattern(2, 4)),
                new Members(4, ROOM),
                new MembersReply(4, ROOM, members(3)),
                publish(5, Flags.PEER_ACK | Flags.ACK, Target.SESSION, "ask", pattern(5, 5)),
                event(77, Flags.PEER_ACK, 2, Target.SESSION, "ask", pattern(5, 6)),
                new Ack(77, pooled(pattern(3, 7))),
                publish(6, Flags.INCLUDE_SELF, Target.ALL, "all", new byte[0]),
                event(0, 0, 1, Target.ALL, "all", new byte[0]),
                new Presence(Opcode.LEFT, ROOM, 2, "bob"),
                new Leave(7, Flags.ACK, ROOM));
    }

    private static List<byte[]> split(byte[] bytes, int... points) {
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int point : points) {
            chunks.add(Arrays.copyOfRange(bytes, from, point));
            from = point;
        }
        chunks.add(Arrays.copyOfRange(bytes, from, bytes.length));
        return chunks;
    }

    /** Every split point: the large payload is kept small here, the other split tests have it. */
    @Test
    void streamSplitInTwoAtEveryByteDecodesToTheSameFrames() {
        byte[] stream = encode(streamFrames(60).toArray(new Frame[0]));
        List<Frame> expected = streamFrames(60);
        try {
            for (int point = 0; point <= stream.length; point++) {
                try {
                    decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, split(stream, point),
                            decoded -> assertSameFrames(expected, decoded));
                } catch (AssertionError e) {
                    throw new AssertionError("split at byte " + point + " of " + stream.length, e);
                }
            }
        } finally {
            releaseAll(expected);
        }
    }

    @Test
    void streamSplitInThreeAroundEveryFrameBoundaryDecodesToTheSameFrames() {
        List<Frame> frames = streamFrames();
        List<Integer> boundaries = new ArrayList<>();
        int offset = 0;
        for (Frame frame : streamFrames()) {
            offset += encode(frame).length; // encoding releases the frame: use a fresh one
            boundaries.add(offset);
        }
        byte[] stream = encode(streamFrames().toArray(new Frame[0]));
        assertEquals(offset, stream.length);
        try {
            for (int boundary : boundaries) {
                for (int a = Math.max(0, boundary - 3); a <= boundary; a++) {
                    for (int b = boundary; b <= Math.min(stream.length, boundary + 3); b++) {
                        decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, split(stream, a, b),
                                decoded -> assertSameFrames(frames, decoded));
                    }
                }
            }
        } finally {
            releaseAll(frames);
        }
    }

    @Test
    void streamFedOneByteAtATimeDecodesToTheSameFrames() {
        byte[] stream = encode(streamFrames().toArray(new Frame[0]));
        List<byte[]> chunks = new ArrayList<>();
        for (byte b : stream) {
            chunks.add(new byte[] {b});
        }
        List<Frame> expected = streamFrames();
        try {
            decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, chunks, decoded -> assertSameFrames(expected, decoded));
        } finally {
            releaseAll(expected);
        }
    }

    /** Skipped room frames in the stream: splitting changes neither the errors nor what follows them. */
    @Test
    void streamWithNonFatalRoomErrorsSplitAtEveryByteDecodesToTheSameFrames() {
        byte[] stream = concat(
                rawFrame(Opcode.LEAVE.code(), Flags.PRESENCE, 11, str16("r")),
                rawFrame(Opcode.PUBLISH.code(), 0, 12, concat(hex("03"), str16("e"), hex("01"))),
                rawFrame(Opcode.MEMBERS_REPLY.code(), 0, 13, concat(str16("r"), hex("00 00 00 02"))),
                rawFrame(Opcode.EVENT.code(), Flags.INCLUDE_SELF, 14, new byte[20]),
                encode(new Ack(15, pooled(hex("01 02 03")))));
        for (int point = 0; point <= stream.length; point++) {
            decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, split(stream, point), decoded -> {
                assertEquals(5, decoded.size(), decoded::toString);
                assertEquals(new InvalidFrame(11, 0x11, ErrorCode.RESERVED_FLAGS, "flags 0x02 are not defined for LEAVE"),
                        decoded.get(0));
                assertEquals(new InvalidFrame(12, 0x12, ErrorCode.MALFORMED_BODY,
                        "PUBLISH: target 3 is not assigned (expected: 0 room, 1 all, 2 session)"), decoded.get(1));
                assertEquals(new InvalidFrame(13, 0x16, ErrorCode.MALFORMED_BODY,
                        "MEMBERS_REPLY: member count 2 does not fit in the 0 bytes left"), decoded.get(2));
                assertEquals(new InvalidFrame(14, 0x13, ErrorCode.RESERVED_FLAGS, "flags 0x04 are not defined for EVENT"),
                        decoded.get(3));
                Ack ack = assertInstanceOf(Ack.class, decoded.get(4));
                assertEquals(15, ack.requestId());
                assertEquals("010203", ByteBufUtil.hexDump(ack.content()));
            });
        }
    }

    // ---------------------------------------------------------------- buffer ownership

    /** PUBLISH, EVENT and ACK payloads are slices of the input buffer: writing the input shows through. */
    @Test
    void decodedPayloadsAreRetainedSlicesOfTheInputAndAreReleased() {
        byte[] bytes = encode(
                publish(1, 0, Target.ROOM, "p", pattern(10, 1)),
                event(2, Flags.PEER_ACK, 3, Target.SESSION, "e", pattern(2000, 2)),
                new Ack(3, pooled(pattern(5, 3))),
                new Ack(4, pooled(new byte[0])),
                publish(5, Flags.PEER_ACK, Target.SESSION, "q", pattern(1, 5)));
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        ByteBuf in = pooled(bytes);
        List<Frame> decoded = new ArrayList<>();
        try {
            assertTrue(channel.writeInbound(in));
            decoded.addAll(readAll(channel));
            assertEquals(List.of(1, 2, 3, 4, 5), decoded.stream().map(Frame::requestId).toList());
            List<ByteBuf> payloads = decoded.stream().map(f -> ((ByteBufHolder) f).content()).toList();
            assertEquals(List.of(10, 2000, 5, 0, 1), payloads.stream().map(ByteBuf::readableBytes).toList());
            assertTrue(in.refCnt() > 0, "the payloads hold the input");

            in.setZero(0, in.capacity());
            for (ByteBuf payload : payloads) {
                for (int i = 0; i < payload.readableBytes(); i++) {
                    assertEquals(0, payload.getByte(payload.readerIndex() + i), "the payload is the input's memory, not a copy");
                }
            }
            for (int i = 0; i < decoded.size(); i++) {
                assertTrue(in.refCnt() > 0, "still held by frame " + i);
                assertTrue(ReferenceCountUtil.release(decoded.get(i)), "the frame's last reference");
                assertEquals(0, payloads.get(i).refCnt());
            }
            decoded.clear();
            assertEquals(0, in.refCnt(), "the input is released with the last payload");
        } finally {
            releaseAll(decoded);
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    static Stream<Arguments> payloadFrames() {
        List<Arguments> cases = new ArrayList<>();
        for (int size : PAYLOAD_SIZES) {
            byte[] payload = pattern(size, size);
            cases.add(Arguments.of("PUBLISH " + size + " B",
                    (Supplier<ByteBufHolder>) () -> publish(1, Flags.ACK, Target.ROOM, "e", payload)));
            cases.add(Arguments.of("EVENT " + size + " B",
                    (Supplier<ByteBufHolder>) () -> event(0, 0, 1, Target.ALL, "e", payload)));
            cases.add(Arguments.of("ACK " + size + " B", (Supplier<ByteBufHolder>) () -> new Ack(2, pooled(payload))));
        }
        return cases.stream();
    }

    /**
     * {@link FrameEncoder#encode(ByteBufAllocator, Frame)} leaves the frame to its owner; above the
     * copy threshold the output is header plus the payload itself (shared memory), otherwise one copy.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("payloadFrames")
    void encodeSharesLargePayloadsAndDoesNotReleaseTheFrame(String name, Supplier<ByteBufHolder> sample) {
        ByteBufHolder frame = sample.get();
        ByteBuf payload = frame.content();
        int size = payload.readableBytes();
        byte[] expected = ByteBufUtil.getBytes(payload);
        ByteBuf out = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, (Frame) frame);
        try {
            // A holder's refCnt() is its payload's: 1 = ours, plus 1 if the output shares the payload.
            assertEquals(size > FrameEncoder.COPY_THRESHOLD ? 2 : 1, frame.refCnt(), "encode does not release the frame");
            assertEquals(Wire.LENGTH_FIELD_BYTES + out.getInt(out.readerIndex()), out.readableBytes());
            int payloadAt = out.readerIndex() + out.readableBytes() - size;
            assertArrayEquals(expected, ByteBufUtil.getBytes(out, payloadAt, size));
            if (size > FrameEncoder.COPY_THRESHOLD) {
                CompositeByteBuf composite = assertInstanceOf(CompositeByteBuf.class, out);
                assertEquals(2, composite.numComponents(), "header and payload");
                assertEquals(2, payload.refCnt(), "the output holds a retained slice of the payload");
                payload.setByte(payload.readerIndex(), ~expected[0]);
                assertEquals((byte) ~expected[0], out.getByte(payloadAt), "the output shares the payload's memory");
            } else {
                assertFalse(out instanceof CompositeByteBuf);
                assertEquals(1, payload.refCnt(), "copied: the output holds no reference to the payload");
                if (size > 0) {
                    payload.setByte(payload.readerIndex(), ~expected[0]);
                    assertEquals(expected[0], out.getByte(payloadAt), "a copy");
                }
            }
        } finally {
            assertTrue(out.release());
        }
        assertEquals(1, frame.refCnt());
        assertEquals(1, payload.refCnt(), "releasing the output gives back only its own reference");
        assertTrue(frame.release());
        assertEquals(0, payload.refCnt());
    }

    /**
     * What the server's hub does for a fan-out: encode one EVENT once, write a retained duplicate to
     * every recipient, release its own references. Each recipient gets the full frame; once every
     * channel has written (here: read out and released) or dropped its copy, nothing is left.
     */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 10, FrameEncoder.COPY_THRESHOLD + 1, 64 * 1024})
    void oneEncodedEventWrittenToManyChannelsIsReleasedWhenAllAreDone(int size) {
        final int recipients = 8;
        byte[] bytes = pattern(size, 9);
        Event event = event(0, 0, SESSION, Target.ROOM, "fan-out", bytes);
        ByteBuf payload = event.content();
        ByteBuf encoded = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, event);
        List<EmbeddedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < recipients; i++) {
                EmbeddedChannel channel = new EmbeddedChannel();
                channels.add(channel);
                assertTrue(channel.writeOutbound(encoded.retainedDuplicate()));
            }
            event.release(); // the hub's frame
            assertFalse(encoded.release(), "the channels still hold the encoding");
            assertEquals(recipients, encoded.refCnt());

            for (int i = 0; i < recipients; i++) {
                EmbeddedChannel channel = channels.get(i);
                if (i % 2 == 1) {
                    assertTrue(channel.finishAndReleaseAll(), "a closed channel drops what it had queued");
                    continue;
                }
                ByteBuf written = channel.readOutbound();
                assertNull(channel.readOutbound());
                EmbeddedChannel peer = new EmbeddedChannel(new FrameDecoder());
                try {
                    assertTrue(peer.writeInbound(written));
                    Event received = assertInstanceOf(Event.class, peer.readInbound());
                    try {
                        Event expected = event(0, 0, SESSION, Target.ROOM, "fan-out", bytes);
                        try {
                            assertSameFrame(expected, received);
                        } finally {
                            expected.release();
                        }
                    } finally {
                        received.release();
                    }
                } finally {
                    assertFalse(peer.finishAndReleaseAll());
                }
                assertFalse(channel.finishAndReleaseAll());
            }
            assertEquals(0, encoded.refCnt(), "every duplicate is released");
            assertEquals(0, payload.refCnt(), "and with it the payload");
            assertEquals(0, event.refCnt());
        } finally {
            for (EmbeddedChannel channel : channels) {
                channel.finishAndReleaseAll();
            }
            if (encoded.refCnt() > 0) {
                encoded.release(encoded.refCnt());
            }
            if (event.refCnt() > 0) {
                event.release(event.refCnt());
            }
        }
    }
}
