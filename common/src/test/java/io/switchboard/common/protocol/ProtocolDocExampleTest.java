package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.concat;
import static io.switchboard.common.protocol.CodecTestSupport.decode;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.payloadFrame;
import static io.switchboard.common.protocol.CodecTestSupport.spacedHex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The worked example in {@code docs/protocol.md} is exactly what the real encoder writes. */
class ProtocolDocExampleTest {
    static final String HELLO = "00 00 00 10 01 00 00 00 00 01 01 00 05 61 6c 69 63 65 00 00";
    static final String WELCOME = "00 00 00 2a 02 00 00 00 00 01 01 00 00 00 00 00 00 00 01 00 10 00 00 00 00 ea 60 00 11"
            + " 73 77 69 74 63 68 62 6f 61 72 64 2f 30 2e 31 2e 30";
    static final String ECHO = "00 00 00 08 05 00 00 00 00 02 68 69";
    static final String ECHO_REPLY = "00 00 00 08 06 00 00 00 00 02 68 69";
    static final String BYE = "00 00 00 0a 08 00 00 00 00 00 00 00 00 00";

    private static final Pattern HEX_LINE = Pattern.compile("^((?:[0-9a-f]{2} )*[0-9a-f]{2})(?: {2,}.*)?$");

    @Test
    void exampleBytesAreWhatTheEncoderWrites() {
        assertEquals(HELLO, spacedHex(encode(new Hello(1, 1, "alice", ""))));
        assertEquals(WELCOME, spacedHex(encode(new Welcome(1, 1, 1, 1_048_576, 60_000, "switchboard/0.1.0"))));
        assertEquals(ECHO, spacedHex(encode(payloadFrame(Opcode.ECHO, 2, "hi".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals(ECHO_REPLY,
                spacedHex(encode(payloadFrame(Opcode.ECHO_REPLY, 2, "hi".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals(BYE, spacedHex(encode(new Bye(0, 0, ""))));
    }

    @Test
    void exampleBytesDecodeToTheExampleFrames() {
        assertEquals(List.of(new Hello(1, 1, "alice", ""),
                new Welcome(1, 1, 1, 1_048_576, 60_000, "switchboard/0.1.0"), new Bye(0, 0, "")),
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

    /**
     * Every fenced block in the doc's worked example, with the annotations stripped, in order:
     * each frame on its own, then the client's and the server's whole byte stream.
     */
    @Test
    void docShowsTheseBytes() throws IOException {
        List<String> blocks = exampleBlocks(Files.readString(docPath(), StandardCharsets.UTF_8));
        List<String> expected = List.of(HELLO, WELCOME, ECHO, ECHO_REPLY, BYE,
                HELLO + " " + ECHO + " " + BYE, WELCOME + " " + ECHO_REPLY);
        assertEquals(expected, blocks);
    }

    private static Path docPath() {
        Path path = Path.of(System.getProperty("basedir", ".")).resolve("../docs/protocol.md").normalize();
        assertTrue(Files.isRegularFile(path), () -> "missing " + path.toAbsolutePath());
        return path;
    }

    /** The hex of each code block in section "Worked example"; every non-blank line must start with hex. */
    static List<String> exampleBlocks(String doc) {
        Matcher section = Pattern.compile("(?ms)^## \\d+\\. Worked example$(.*?)(?=^## |\\z)").matcher(doc);
        assertTrue(section.find(), "no 'Worked example' section");
        List<String> blocks = new ArrayList<>();
        Matcher fence = Pattern.compile("(?ms)^```text\\n(.*?)^```$").matcher(section.group(1));
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
