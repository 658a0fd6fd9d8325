package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.concat;
import static io.switchboard.common.protocol.CodecTestSupport.decode;
import static io.switchboard.common.protocol.CodecTestSupport.decodeChunks;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.pooled;
import static io.switchboard.common.protocol.CodecTestSupport.rawFrame;
import static io.switchboard.common.protocol.CodecTestSupport.str16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed room, event and ack frames: each is skipped with the documented {@link InvalidFrame},
 * decoding goes on with the next frame, and every buffer is released.
 */
class RoomsDecoderErrorsTest {
    private static final int MAX = 4096;
    private static final int RID = 0xC0FF_EE01;
    /** A valid EVENT with a payload, to check that decoding recovers with a reference-counted frame. */
    private static final byte[] GOOD_EVENT = encode(new Event(99, Flags.PEER_ACK, 5, Target.SESSION, "", "ok",
            pooled(hex("c0 ff ee"))));
    private static final byte[] SENDER = hex("00 00 00 00 00 00 00 05");

    private static void assertGoodEvent(Frame frame) {
        Event event = assertInstanceOf(Event.class, frame);
        assertEquals(99, event.requestId());
        assertEquals(Flags.PEER_ACK, event.flags());
        assertEquals(5, event.senderId());
        assertEquals(Target.SESSION, event.target());
        assertEquals("ok", event.event());
        assertEquals("c0ffee", ByteBufUtil.hexDump(event.content()));
    }

    private static Arguments bad(String name, Opcode opcode, int flags, byte[] body, ErrorCode error, String message) {
        return Arguments.of(name, rawFrame(opcode.code(), flags, RID, body), error, message);
    }

    private static Arguments malformed(String name, Opcode opcode, byte[] body, String message) {
        return bad(name, opcode, 0, body, ErrorCode.MALFORMED_BODY, opcode + ": " + message);
    }

    /** Every flag bit an opcode does not allow, alone and together with the allowed ones. */
    static Stream<Arguments> flagsNotAllowed() {
        List<Arguments> cases = new ArrayList<>();
        for (Opcode opcode : Opcode.values()) {
            int allowed = opcode.allowedFlags();
            for (int bit = 0; bit < 8; bit++) {
                int flag = 1 << bit;
                if ((allowed & flag) == 0) {
                    cases.add(bad(String.format("%s with flag 0x%02x", opcode, flag), opcode, flag, new byte[0],
                            ErrorCode.RESERVED_FLAGS, String.format("flags 0x%02x are not defined for %s", flag, opcode)));
                }
            }
            int notAllowed = 0xFF & ~allowed;
            cases.add(bad(String.format("%s with flags 0xff", opcode), opcode, 0xFF, new byte[0],
                    ErrorCode.RESERVED_FLAGS, String.format("flags 0x%02x are not defined for %s", notAllowed, opcode)));
        }
        return cases.stream();
    }

    static Stream<Arguments> nonFatal() {
        byte[] room = str16("r1");
        byte[] member = concat(hex("00 00 00 00 00 00 00 01"), str16("a"));
        List<Arguments> cases = new ArrayList<>(List.of(
                // flags, by name (all others are generated in flagsNotAllowed)
                bad("PRESENCE on LEAVE", Opcode.LEAVE, Flags.PRESENCE, room,
                        ErrorCode.RESERVED_FLAGS, "flags 0x02 are not defined for LEAVE"),
                bad("ACK|PRESENCE on LEAVE names only PRESENCE", Opcode.LEAVE, Flags.ACK | Flags.PRESENCE, room,
                        ErrorCode.RESERVED_FLAGS, "flags 0x02 are not defined for LEAVE"),
                bad("INCLUDE_SELF on JOIN", Opcode.JOIN, Flags.INCLUDE_SELF | Flags.ACK, room,
                        ErrorCode.RESERVED_FLAGS, "flags 0x04 are not defined for JOIN"),
                bad("PRESENCE on PUBLISH", Opcode.PUBLISH, Flags.PRESENCE | Flags.PEER_ACK, concat(hex("01"), str16("e")),
                        ErrorCode.RESERVED_FLAGS, "flags 0x02 are not defined for PUBLISH"),
                bad("INCLUDE_SELF on EVENT", Opcode.EVENT, Flags.INCLUDE_SELF, new byte[16],
                        ErrorCode.RESERVED_FLAGS, "flags 0x04 are not defined for EVENT"),
                bad("ACK|PEER_ACK on EVENT names only ACK", Opcode.EVENT, Flags.ACK | Flags.PEER_ACK, new byte[16],
                        ErrorCode.RESERVED_FLAGS, "flags 0x01 are not defined for EVENT"),
                bad("ACK flag on ACK", Opcode.ACK, Flags.ACK, hex("01"),
                        ErrorCode.RESERVED_FLAGS, "flags 0x01 are not defined for ACK"),
                bad("PEER_ACK on ACK", Opcode.ACK, Flags.PEER_ACK, new byte[0],
                        ErrorCode.RESERVED_FLAGS, "flags 0x08 are not defined for ACK"),
                bad("ACK flag on MEMBERS", Opcode.MEMBERS, Flags.ACK, room,
                        ErrorCode.RESERVED_FLAGS, "flags 0x01 are not defined for MEMBERS"),
                bad("flag 0x80 on MEMBERS_REPLY", Opcode.MEMBERS_REPLY, 0x80, concat(room, hex("00 00 00 00")),
                        ErrorCode.RESERVED_FLAGS, "flags 0x80 are not defined for MEMBERS_REPLY"),

                // JOIN, LEAVE, MEMBERS: one str16
                malformed("JOIN with an empty body", Opcode.JOIN, new byte[0],
                        "body ends inside field 'room length' (needs 2 bytes, 0 left)"),
                malformed("JOIN truncated inside the room", Opcode.JOIN, hex("00 03 61 62"),
                        "body ends inside field 'room' (needs 3 bytes, 2 left)"),
                malformed("JOIN with 1 byte left over", Opcode.JOIN, concat(room, hex("00")),
                        "1 bytes left over after the last field"),
                malformed("JOIN room not UTF-8 (c3 28)", Opcode.JOIN, str16(hex("c3 28")),
                        "field 'room' is not valid UTF-8"),
                malformed("LEAVE with 2 bytes left over", Opcode.LEAVE, concat(room, hex("00 00")),
                        "2 bytes left over after the last field"),
                malformed("LEAVE with 1 byte", Opcode.LEAVE, hex("00"),
                        "body ends inside field 'room length' (needs 2 bytes, 1 left)"),
                malformed("LEAVE room with an encoded surrogate", Opcode.LEAVE, str16(hex("ed a0 80")),
                        "field 'room' is not valid UTF-8"),
                // MEMBERS: str16 room, then nothing (the whole room) or u64 after, u32 limit (a page)
                malformed("MEMBERS with 3 bytes after the room", Opcode.MEMBERS, concat(room, hex("61 62 63")),
                        "body ends inside field 'after' (needs 8 bytes, 3 left)"),
                malformed("MEMBERS page without its limit", Opcode.MEMBERS, concat(room, hex("00 00 00 00 00 00 00 00")),
                        "body ends inside field 'limit' (needs 4 bytes, 0 left)"),
                malformed("MEMBERS page of limit 0", Opcode.MEMBERS, concat(room, hex("00 00 00 00 00 00 00 00 00 00 00 00")),
                        "page limit 0 is not between 1 and 10000"),
                malformed("MEMBERS page of limit 10001", Opcode.MEMBERS, concat(room, hex("00 00 00 00 00 00 00 00 00 00 27 11")),
                        "page limit 10001 is not between 1 and 10000"),
                malformed("MEMBERS page with 1 byte left over", Opcode.MEMBERS,
                        concat(room, hex("00 00 00 00 00 00 00 00 00 00 00 01 00")), "1 bytes left over after the last field"),
                malformed("MEMBERS room with an overlong NUL", Opcode.MEMBERS, str16(hex("c0 80")),
                        "field 'room' is not valid UTF-8"),

                // PUBLISH: u8 target, [str16 room | u64 session], str16 event, payload
                malformed("PUBLISH with an empty body", Opcode.PUBLISH, new byte[0],
                        "body ends inside field 'target' (needs 1 bytes, 0 left)"),
                malformed("PUBLISH target 3", Opcode.PUBLISH, concat(hex("03"), str16("e"), hex("01 02")),
                        "target 3 is not assigned (expected: 0 room, 1 all, 2 session)"),
                malformed("PUBLISH target 255", Opcode.PUBLISH, concat(hex("ff"), room, str16("e")),
                        "target 255 is not assigned (expected: 0 room, 1 all, 2 session)"),
                malformed("PUBLISH to a room, ends inside the room length", Opcode.PUBLISH, hex("00 00"),
                        "body ends inside field 'room length' (needs 2 bytes, 1 left)"),
                malformed("PUBLISH to a room, ends inside the room", Opcode.PUBLISH, hex("00 00 05 61 62"),
                        "body ends inside field 'room' (needs 5 bytes, 2 left)"),
                malformed("PUBLISH to a room, no event name", Opcode.PUBLISH, concat(hex("00"), room),
                        "body ends inside field 'event length' (needs 2 bytes, 0 left)"),
                malformed("PUBLISH to a session, ends inside the session id", Opcode.PUBLISH, hex("02 00 00 00"),
                        "body ends inside field 'session id' (needs 8 bytes, 3 left)"),
                malformed("PUBLISH to a session, ends inside the event name", Opcode.PUBLISH,
                        concat(hex("02 00 00 00 00 00 00 00 07 00 03 61 62")),
                        "body ends inside field 'event' (needs 3 bytes, 2 left)"),
                malformed("PUBLISH to all, ends inside the event length", Opcode.PUBLISH, hex("01 00"),
                        "body ends inside field 'event length' (needs 2 bytes, 1 left)"),
                malformed("PUBLISH to all, ends inside the event name", Opcode.PUBLISH, hex("01 00 04 61"),
                        "body ends inside field 'event' (needs 4 bytes, 1 left)"),
                malformed("PUBLISH room not UTF-8", Opcode.PUBLISH, concat(hex("00"), str16(hex("c3 28")), str16("e")),
                        "field 'room' is not valid UTF-8"),
                malformed("PUBLISH event name not UTF-8", Opcode.PUBLISH, concat(hex("01"), str16(hex("ff")), hex("01")),
                        "field 'event' is not valid UTF-8"),
                malformed("PUBLISH event name ending inside a sequence", Opcode.PUBLISH,
                        concat(hex("02"), SENDER, str16(hex("e2 82"))), "field 'event' is not valid UTF-8"),

                // EVENT: u64 sender, u8 target, str16 room, str16 event, payload
                malformed("EVENT with an empty body", Opcode.EVENT, new byte[0],
                        "body ends inside field 'sender id' (needs 8 bytes, 0 left)"),
                malformed("EVENT truncated inside the sender id", Opcode.EVENT, hex("00 00 00 00 05"),
                        "body ends inside field 'sender id' (needs 8 bytes, 5 left)"),
                malformed("EVENT without a target", Opcode.EVENT, SENDER,
                        "body ends inside field 'target' (needs 1 bytes, 0 left)"),
                malformed("EVENT target 3", Opcode.EVENT, concat(SENDER, hex("03"), str16(""), str16("e")),
                        "target 3 is not assigned (expected: 0 room, 1 all, 2 session)"),
                malformed("EVENT without a room", Opcode.EVENT, concat(SENDER, hex("01")),
                        "body ends inside field 'room length' (needs 2 bytes, 0 left)"),
                malformed("EVENT truncated inside the room", Opcode.EVENT, concat(SENDER, hex("00 00 05 61")),
                        "body ends inside field 'room' (needs 5 bytes, 1 left)"),
                malformed("EVENT without an event name", Opcode.EVENT, concat(SENDER, hex("00"), room),
                        "body ends inside field 'event length' (needs 2 bytes, 0 left)"),
                malformed("EVENT truncated inside the event name", Opcode.EVENT, concat(SENDER, hex("01"), str16(""), hex("00 02 65")),
                        "body ends inside field 'event' (needs 2 bytes, 1 left)"),
                malformed("EVENT room not UTF-8", Opcode.EVENT, concat(SENDER, hex("00"), str16(hex("80")), str16("e")),
                        "field 'room' is not valid UTF-8"),
                malformed("EVENT event name above U+10FFFF", Opcode.EVENT,
                        concat(SENDER, hex("01"), str16(""), str16(hex("f4 90 80 80"))), "field 'event' is not valid UTF-8"),

                // MEMBERS_REPLY: str16 room, u32 count, count x (u64 session id, str16 name)
                malformed("MEMBERS_REPLY page with a short next", Opcode.MEMBERS_REPLY,
                        concat(room, hex("00 00 00 01"), member, hex("00 00 00")),
                        "body ends inside field 'next' (needs 8 bytes, 3 left)"),
                malformed("MEMBERS_REPLY without a count", Opcode.MEMBERS_REPLY, room,
                        "body ends inside field 'member count' (needs 4 bytes, 0 left)"),
                malformed("MEMBERS_REPLY count 2 with one member", Opcode.MEMBERS_REPLY,
                        concat(room, hex("00 00 00 02"), member),
                        "member count 2 does not fit in the 11 bytes left"),
                malformed("MEMBERS_REPLY count 2^31-1 and no members", Opcode.MEMBERS_REPLY,
                        concat(room, hex("7f ff ff ff")),
                        "member count 2147483647 does not fit in the 0 bytes left"),
                malformed("MEMBERS_REPLY count 2^32-1", Opcode.MEMBERS_REPLY, concat(room, hex("ff ff ff ff"), member),
                        "field 'member count' is 4294967295 (expected: at most 2147483647)"),
                malformed("MEMBERS_REPLY count 2 with long first name, second member truncated", Opcode.MEMBERS_REPLY,
                        concat(room, hex("00 00 00 02 00 00 00 00 00 00 00 01"), str16("abcdefgh"), hex("00 00 00")),
                        "body ends inside field 'member session id' (needs 8 bytes, 3 left)"),
                malformed("MEMBERS_REPLY member truncated inside its name", Opcode.MEMBERS_REPLY,
                        concat(room, hex("00 00 00 01 00 00 00 00 00 00 00 01 00 03 61 62")),
                        "body ends inside field 'member name' (needs 3 bytes, 2 left)"),
                malformed("MEMBERS_REPLY count 0 with a member left over", Opcode.MEMBERS_REPLY,
                        concat(room, hex("00 00 00 00"), member),
                        "3 bytes left over after the last field"), // 8 of the 11 read as a page's next cursor
                malformed("MEMBERS_REPLY member name not UTF-8", Opcode.MEMBERS_REPLY,
                        concat(room, hex("00 00 00 01 00 00 00 00 00 00 00 01"), str16(hex("c3"))),
                        "field 'member name' is not valid UTF-8"),

                // JOINED, LEFT: str16 room, u64 session id, str16 name
                malformed("JOINED truncated inside the session id", Opcode.JOINED, concat(room, hex("00 00")),
                        "body ends inside field 'session id' (needs 8 bytes, 2 left)"),
                malformed("JOINED without a name", Opcode.JOINED, concat(room, SENDER),
                        "body ends inside field 'name length' (needs 2 bytes, 0 left)"),
                malformed("LEFT with 1 byte left over", Opcode.LEFT, concat(room, SENDER, str16("a"), hex("00")),
                        "1 bytes left over after the last field"),
                malformed("LEFT name not UTF-8", Opcode.LEFT, concat(room, SENDER, str16(hex("61 80"))),
                        "field 'name' is not valid UTF-8")));
        flagsNotAllowed().forEach(cases::add);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonFatal")
    void malformedFrameIsReportedWithItsRequestId(String name, byte[] bad, ErrorCode error, String message) {
        List<Frame> frames = decode(MAX, bad);
        assertEquals(1, frames.size(), frames::toString);
        InvalidFrame invalid = assertInstanceOf(InvalidFrame.class, frames.get(0));
        assertEquals(new InvalidFrame(RID, bad[4] & 0xff, error, message), invalid);
        assertFalse(invalid.fatal());
        assertEquals(new ErrorFrame(RID, error.code(), message), invalid.toError());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonFatal")
    void decodingRecoversAfterANonFatalError(String name, byte[] bad, ErrorCode error, String message) {
        // In one buffer; each frame in its own read; and split in the middle of the bad frame.
        int half = bad.length / 2;
        List<List<byte[]>> feeds = List.of(List.of(concat(bad, GOOD_EVENT, bad, GOOD_EVENT)),
                List.of(bad, GOOD_EVENT, bad, GOOD_EVENT),
                List.of(Arrays.copyOf(bad, half), concat(Arrays.copyOfRange(bad, half, bad.length), GOOD_EVENT, bad),
                        GOOD_EVENT));
        for (List<byte[]> feed : feeds) {
            decodeChunks(MAX, feed, frames -> {
                assertEquals(4, frames.size(), frames::toString);
                assertEquals(new InvalidFrame(RID, bad[4] & 0xff, error, message), frames.get(0));
                assertGoodEvent(frames.get(1));
                assertEquals(new InvalidFrame(RID, bad[4] & 0xff, error, message), frames.get(2));
                assertGoodEvent(frames.get(3));
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {0x19, 0x1f, 0x20, 0x2f})
    void reservedOpcodesAreUnknown(int opcode) {
        List<Frame> frames = decode(MAX, rawFrame(opcode, 0, RID, str16("r1")));
        assertEquals(List.of(new InvalidFrame(RID, opcode, ErrorCode.UNKNOWN_OPCODE,
                String.format("unknown opcode 0x%02x", opcode))), frames);
    }

    @org.junit.jupiter.api.Test
    void malformedRoomFramesReleaseTheirInput() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
        List<ByteBuf> inputs = new ArrayList<>();
        try {
            for (Object[] args : nonFatal().map(Arguments::get).toList()) {
                ByteBuf in = pooled((byte[]) args[1]);
                inputs.add(in);
                assertTrue(channel.writeInbound(in));
                assertInstanceOf(InvalidFrame.class, channel.readInbound());
            }
            for (ByteBuf in : inputs) {
                assertEquals(0, in.refCnt());
            }
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }
}
