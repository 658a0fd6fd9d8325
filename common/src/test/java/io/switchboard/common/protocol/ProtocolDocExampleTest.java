package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.concat;
import static io.switchboard.common.protocol.CodecTestSupport.decode;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.assertSameFrames;
import static io.switchboard.common.protocol.CodecTestSupport.payloadFrame;
import static io.switchboard.common.protocol.CodecTestSupport.releaseAll;
import static io.switchboard.common.protocol.CodecTestSupport.spacedHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worked examples in {@code docs/protocol.md} are exactly what the real encoder writes, and the
 * doc's opcode, flag and error-code tables agree with {@link Opcode} and {@link ErrorCode}.
 */
class ProtocolDocExampleTest {
    static final String HELLO = "00 00 00 10 01 00 00 00 00 01 01 00 05 61 6c 69 63 65 00 00";
    static final String WELCOME = "00 00 00 2a 02 00 00 00 00 01 01 0f 1c 9b 00 00 00 00 01 00 10 00 00 00 00 ea 60 00 11"
            + " 73 77 69 74 63 68 62 6f 61 72 64 2f 30 2e 31 2e 30";
    /** The session id of the examples: a random per-start prefix, then counter 1 (docs section 6). */
    static final long ALICE = 0x0F1C9B0000000001L;
    static final String ECHO = "00 00 00 08 05 00 00 00 00 02 68 69";
    static final String ECHO_REPLY = "00 00 00 08 06 00 00 00 00 02 68 69";
    static final String BYE = "00 00 00 0a 08 00 00 00 00 00 00 00 00 00";

    // Section "Worked example: rooms": alice is session 1, bob session 2, the room "chat/lobby".
    static final String ROOM_HEX = "00 0a 63 68 61 74 2f 6c 6f 62 62 79";
    static final String JOIN = "00 00 00 12 10 03 00 00 00 03 " + ROOM_HEX;
    static final String JOIN_ACK = "00 00 00 06 14 00 00 00 00 03";
    static final String JOINED = "00 00 00 21 17 00 00 00 00 00 " + ROOM_HEX
            + " 0f 1c 9b 00 00 00 00 01 00 05 61 6c 69 63 65";
    static final String PUBLISH = "00 00 00 1a 12 00 00 00 00 04 00 " + ROOM_HEX + " 00 03 6d 73 67 68 69";
    static final String EVENT = "00 00 00 22 13 00 00 00 00 00 0f 1c 9b 00 00 00 00 01 00 " + ROOM_HEX
            + " 00 03 6d 73 67 68 69";
    /** Quoted inline after the rooms example: the ACK alice would get with the ACK flag. */
    static final String PUBLISH_ACK = "00 00 00 06 14 00 00 00 00 04";

    static Join join() {
        return new Join(3, Flags.ACK | Flags.PRESENCE, "chat/lobby");
    }

    static Presence joined() {
        return new Presence(Opcode.JOINED, "chat/lobby", ALICE, "alice");
    }

    static Publish publish() {
        return new Publish(4, 0, Target.ROOM, "chat/lobby", 0, "msg", Unpooled.copiedBuffer("hi", StandardCharsets.US_ASCII));
    }

    static Event event() {
        return new Event(0, 0, ALICE, Target.ROOM, "chat/lobby", "msg", Unpooled.copiedBuffer("hi", StandardCharsets.US_ASCII));
    }

    static Ack ack(int requestId) {
        return new Ack(requestId, Unpooled.EMPTY_BUFFER);
    }

    private static final Pattern HEX_LINE = Pattern.compile("^((?:[0-9a-f]{2} )*[0-9a-f]{2})(?: {2,}.*)?$");

    @Test
    void exampleBytesAreWhatTheEncoderWrites() {
        assertEquals(HELLO, spacedHex(encode(new Hello(1, 1, "alice", ""))));
        assertEquals(WELCOME, spacedHex(encode(new Welcome(1, 1, ALICE, 1_048_576, 60_000, "switchboard/0.1.0"))));
        assertEquals(ECHO, spacedHex(encode(payloadFrame(Opcode.ECHO, 2, "hi".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals(ECHO_REPLY,
                spacedHex(encode(payloadFrame(Opcode.ECHO_REPLY, 2, "hi".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals(BYE, spacedHex(encode(new Bye(0, 0, ""))));
    }

    @Test
    void exampleBytesDecodeToTheExampleFrames() {
        assertEquals(List.of(new Hello(1, 1, "alice", ""),
                new Welcome(1, 1, ALICE, 1_048_576, 60_000, "switchboard/0.1.0"), new Bye(0, 0, "")),
                decode(Wire.DEFAULT_MAX_FRAME_LENGTH, concat(hex(HELLO), hex(WELCOME), hex(BYE))));
        decode(Wire.DEFAULT_MAX_FRAME_LENGTH, concat(hex(ECHO), hex(ECHO_REPLY)), frames -> {
            assertEquals(2, frames.size());
            PayloadFrame echo = assertInstanceOf(PayloadFrame.class, frames.get(0));
            PayloadFrame reply = assertInstanceOf(PayloadFrame.class, frames.get(1));
            assertEquals(Opcode.ECHO, echo.opcode());
            assertEquals(Opcode.ECHO_REPLY, reply.opcode());
            assertEquals(2, echo.requestId());
            assertEquals(2, reply.requestId());
            assertEquals("6869", ByteBufUtil.hexDump(echo.content()));
            assertEquals("6869", ByteBufUtil.hexDump(reply.content()));
        });
    }

    @Test
    void roomsExampleBytesAreWhatTheEncoderWrites() {
        assertEquals(JOIN, spacedHex(encode(join())));
        assertEquals(JOIN_ACK, spacedHex(encode(ack(3))));
        assertEquals(JOINED, spacedHex(encode(joined())));
        assertEquals(PUBLISH, spacedHex(encode(publish())));
        assertEquals(EVENT, spacedHex(encode(event())));
        assertEquals(PUBLISH_ACK, spacedHex(encode(ack(4))));
    }

    @Test
    void roomsExampleBytesDecodeToTheExampleFrames() {
        assertEquals(List.of(join(), joined()), decode(Wire.DEFAULT_MAX_FRAME_LENGTH, concat(hex(JOIN), hex(JOINED))));
        List<Frame> expected = List.of(ack(3), publish(), event(), ack(4));
        try {
            decode(Wire.DEFAULT_MAX_FRAME_LENGTH, concat(hex(JOIN_ACK), hex(PUBLISH), hex(EVENT), hex(PUBLISH_ACK)),
                    frames -> assertSameFrames(expected, frames));
        } finally {
            releaseAll(expected);
        }
    }

    @Test
    void docShowsTheseRoomBytes() throws IOException {
        String doc = Files.readString(docPath(), StandardCharsets.UTF_8);
        assertEquals(List.of(JOIN, JOIN_ACK, JOINED, PUBLISH, EVENT), exampleBlocks(doc, "Worked example: rooms"));
        assertTrue(doc.contains("`" + PUBLISH_ACK + "`"), "the inline ACK after the rooms example");
    }

    /** Every error code appears in the doc's table with its number and name, and nothing else does. */
    @Test
    void docErrorTableMatchesErrorCode() throws IOException {
        String section = section(Files.readString(docPath(), StandardCharsets.UTF_8), "Error codes");
        Matcher row = Pattern.compile("(?m)^\\|\\s*(\\d{3})\\s*\\|\\s*([A-Z_]+)\\s*\\|\\s*(open|closed)\\s*\\|").matcher(section);
        List<String> documented = new ArrayList<>();
        while (row.find()) {
            documented.add(row.group(1) + " " + row.group(2) + " " + row.group(3));
        }
        List<String> expected = new ArrayList<>();
        for (ErrorCode code : ErrorCode.values()) {
            expected.add(code.code() + " " + code.name() + " "
                    + (code.closesConnection() ? "closed" : "open"));
        }
        expected.sort(null);
        documented.sort(null);
        assertEquals(expected, documented);
    }

    /** The opcode table of section 6 lists every opcode with its byte and direction. */
    @Test
    void docOpcodeTableMatchesOpcode() throws IOException {
        String section = section(Files.readString(docPath(), StandardCharsets.UTF_8), "Opcodes and bodies");
        Matcher row = Pattern.compile("(?m)^\\|\\s*0x([0-9A-F]{2})\\s*\\|\\s*([A-Z_]+)\\s*\\|\\s*([^|]+?)\\s*\\|").matcher(section);
        List<String> documented = new ArrayList<>();
        while (row.find()) {
            documented.add(row.group(1) + " " + row.group(2) + " " + row.group(3));
        }
        List<String> expected = new ArrayList<>();
        for (Opcode opcode : Opcode.values()) {
            String direction = switch (opcode.direction()) {
                case TO_SERVER -> "client → server";
                case TO_CLIENT -> "server → client";
                case BOTH -> "both";
            };
            expected.add(String.format("%02X %s %s", opcode.code(), opcode.name(), direction));
        }
        assertEquals(expected, documented);
    }

    /** The per-opcode flag table of section 4 agrees with {@link Opcode#allowedFlags()}. */
    @Test
    void docFlagTableMatchesAllowedFlags() throws IOException {
        String section = section(Files.readString(docPath(), StandardCharsets.UTF_8), "Flags");
        Matcher row = Pattern.compile("(?m)^\\|\\s*([A-Z_, ]+?)\\s*\\|\\s*(none|[A-Z_, ]+?)\\s*\\|[^|\\n]*\\|$").matcher(section);
        List<Opcode> seen = new ArrayList<>();
        while (row.find()) {
            int flags = 0;
            if (!row.group(2).equals("none")) {
                for (String name : row.group(2).split(",\\s*")) {
                    flags |= switch (name) {
                        case "ACK" -> Flags.ACK;
                        case "PRESENCE" -> Flags.PRESENCE;
                        case "INCLUDE_SELF" -> Flags.INCLUDE_SELF;
                        case "PEER_ACK" -> Flags.PEER_ACK;
                        case "JSON" -> Flags.JSON;
                        case "BINARY" -> Flags.BINARY;
                        default -> throw new AssertionError("unknown flag " + name);
                    };
                }
            }
            for (String name : row.group(1).split(",\\s*")) {
                Opcode opcode = Opcode.valueOf(name);
                assertEquals(opcode.allowedFlags(), flags, name);
                seen.add(opcode);
            }
        }
        seen.sort(null);
        assertEquals(List.of(Opcode.values()), seen, "every opcode is in the flag table once");
    }

    /**
     * Every fenced block in the doc's worked example, with the annotations stripped, in order:
     * each frame on its own, then the client's and the server's whole byte stream.
     */
    @Test
    void docShowsTheseBytes() throws IOException {
        List<String> blocks = exampleBlocks(Files.readString(docPath(), StandardCharsets.UTF_8), "Worked example");
        List<String> expected = List.of(HELLO, WELCOME, ECHO, ECHO_REPLY, BYE,
                HELLO + " " + ECHO + " " + BYE, WELCOME + " " + ECHO_REPLY);
        assertEquals(expected, blocks);
    }

    private static Path docPath() {
        Path path = Path.of(System.getProperty("basedir", ".")).resolve("../docs/protocol.md").normalize();
        assertTrue(Files.isRegularFile(path), () -> "missing " + path.toAbsolutePath());
        return path;
    }

    /** The text of the numbered section with exactly this title, up to the next section. */
    static String section(String doc, String title) {
        Matcher section = Pattern.compile("(?ms)^## \\d+\\. " + Pattern.quote(title) + "$(.*?)(?=^## |\\z)").matcher(doc);
        assertTrue(section.find(), () -> "no '" + title + "' section");
        return section.group(1);
    }

    /** The hex of each code block in the section titled {@code title}; every non-blank line must start with hex. */
    static List<String> exampleBlocks(String doc, String title) {
        List<String> blocks = new ArrayList<>();
        Matcher fence = Pattern.compile("(?ms)^```text\\n(.*?)^```$").matcher(section(doc, title));
        while (fence.find()) {
            List<String> bytes = new ArrayList<>();
            for (String line : fence.group(1).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                Matcher hex = HEX_LINE.matcher(line);
                assertTrue(hex.matches(), () -> "not a hex line: '" + line + "'");
                bytes.add(hex.group(1));
            }
            blocks.add(String.join(" ", bytes));
        }
        return blocks;
    }
}
