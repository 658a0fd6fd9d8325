package io.switchboard.server.socketio.engine;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Packet and payload encoding; the leak detector (PARANOID) checks every buffer is released. */
class EngineCodecTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static ByteBuf buf(String s) {
        ByteBuf b = ALLOC.buffer();
        b.writeCharSequence(s, UTF_8);
        return b;
    }

    private static List<EnginePacket> decode(String payload) throws EngineProtocolException {
        ByteBuf b = buf(payload);
        try {
            return EngineCodec.decodePayload(b, ALLOC);
        } finally {
            b.release();
        }
    }

    private static Malformed malformed(String payload) {
        return assertThrows(EngineProtocolException.class, () -> decode(payload)).kind;
    }

    private static String encode(List<EnginePacket> packets) {
        ByteBuf out = EngineCodec.encodePayload(packets, ALLOC);
        try {
            return out.toString(UTF_8);
        } finally {
            out.release();
        }
    }

    /**
     * A text packet's buffer is allocated at its exact UTF-8 size, never grown: netty's
     * writeCharSequence(UTF_8) reserves 3 bytes a character, which made a buffer of one byte a
     * character grow (a second allocation and a copy) for every packet to every recipient.
     * UnpooledByteBufAllocator gives the capacity asked for, so a growth would show in it.
     */
    @Test
    void encodesTextPacketsIntoBuffersOfTheirExactSize() {
        ByteBufAllocator unpooled = new UnpooledByteBufAllocator(false);
        List<String> texts = List.of("", "hello", "x".repeat(130), "é€😀 and ascii", "a lone surrogate \uD800 here",
                "\uDC00", "2[\"load\",\"" + "y".repeat(1000) + "\"]");
        for (String text : texts) {
            ByteBuf out = EngineCodec.encodeText(EnginePacket.message(text), unpooled);
            try {
                assertArrayEquals(("4" + text).getBytes(UTF_8), ByteBufUtil.getBytes(out), text);
                assertEquals(out.readableBytes(), out.capacity(), "grown for " + text);
            } finally {
                out.release();
            }
        }
        List<EnginePacket> packets = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (String text : texts) {
            packets.add(EnginePacket.message(text));
            expected.append(expected.length() == 0 ? "" : "\u001e").append('4').append(text);
        }
        packets.add(EnginePacket.binary(unpooled.buffer().writeBytes(new byte[] {1, 2, 3, 4})));
        expected.append("\u001ebAQIDBA==");
        ByteBuf out = EngineCodec.encodePayload(packets, unpooled);
        try {
            assertArrayEquals(expected.toString().getBytes(UTF_8), ByteBufUtil.getBytes(out));
            assertEquals(out.readableBytes(), out.capacity(), "the polling payload grew");
        } finally {
            out.release();
            packets.forEach(EnginePacket::release);
        }
        ByteBuf none = EngineCodec.encodePayload(List.of(), unpooled);
        assertEquals(0, none.readableBytes());
        none.release();
    }

    /**
     * The WebSocket frame made once for every recipient of a broadcast is what netty's server
     * encoder would have sent: netty's client-side decoder reads it back as one final text frame
     * of "4" + text, at each length form's bounds (7-bit, 16-bit, 64-bit lengths), exactly sized.
     */
    @Test
    void madeWebSocketFramesDecodeAsTextFrames() {
        ByteBufAllocator unpooled = new UnpooledByteBufAllocator(false);
        List<String> texts = List.of("", "x".repeat(124), "x".repeat(125), "x".repeat(65534), "x".repeat(65535),
                "é€😀 " + "y".repeat(70000));
        for (String text : texts) {
            ByteBuf frame = EngineSocket.webSocketMessage(unpooled, text);
            assertEquals(frame.readableBytes(), frame.capacity(), "grown for a text of " + text.length());
            io.netty.channel.embedded.EmbeddedChannel client = new io.netty.channel.embedded.EmbeddedChannel(
                    new io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder(
                            io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig.newBuilder()
                                    .expectMaskedFrames(false).maxFramePayloadLength(1 << 20).build()));
            client.writeInbound(frame);
            io.netty.handler.codec.http.websocketx.TextWebSocketFrame got = client.readInbound();
            try {
                assertTrue(got.isFinalFragment());
                assertEquals("4" + text, got.text());
            } finally {
                got.release();
            }
            assertNull(client.readInbound());
            client.finishAndReleaseAll();
        }
    }

    @Test
    void decodesOneTextPacket() throws Exception {
        List<EnginePacket> p = decode("4hello");
        assertEquals(1, p.size());
        assertEquals(PacketType.MESSAGE, p.get(0).type);
        assertEquals("hello", p.get(0).text);
    }

    @Test
    void decodesPacketsJoinedByTheRecordSeparator() throws Exception {
        List<EnginePacket> p = decode("4test1\u001e4test2\u001e3\u001e4\u001e2probe\u001e4é€😀");
        assertEquals(6, p.size());
        assertEquals("test1", p.get(0).text);
        assertEquals("test2", p.get(1).text);
        assertEquals(PacketType.PONG, p.get(2).type);
        assertEquals("", p.get(2).text);
        assertEquals("", p.get(3).text); // an empty message is a message
        assertEquals(PacketType.PING, p.get(4).type);
        assertTrue(p.get(4).isProbe());
        assertEquals("é€😀", p.get(5).text);
    }

    @Test
    void decodesBinaryPacketsFromBase64() throws Exception {
        List<EnginePacket> p = decode("4hello\u001ebAQIDBA==\u001eb\u001ebAQ");
        assertEquals(4, p.size());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, bytesOf(p.get(1)));
        assertArrayEquals(new byte[0], bytesOf(p.get(2)));
        assertArrayEquals(new byte[] {1}, bytesOf(p.get(3))); // unpadded is accepted
    }

    private static byte[] bytesOf(EnginePacket p) {
        ByteBuf b = p.takeBinary();
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    @Test
    void encodesTextAndBinaryWithTheSeparator() {
        ByteBuf data = ALLOC.buffer().writeBytes(new byte[] {1, 2, 3, 4});
        EnginePacket bin = EnginePacket.binary(data);
        List<EnginePacket> packets = List.of(EnginePacket.message("hello"), bin, EnginePacket.PING,
                EnginePacket.message("€"));
        assertEquals("4hello\u001ebAQIDBA==\u001e2\u001e4€", encode(packets));
        bin.release();
        assertEquals("6", encode(List.of(EnginePacket.NOOP)));
    }

    @Test
    void base64MatchesTheJdkForEveryLength() throws Exception {
        Random random = new Random(42);
        for (int n = 0; n < 70; n++) {
            byte[] data = new byte[n];
            random.nextBytes(data);
            ByteBuf src = ALLOC.buffer().writeBytes(data);
            ByteBuf enc = ALLOC.buffer();
            EngineCodec.encodeBase64(src, enc);
            String text = enc.toString(US_ASCII);
            assertEquals(Base64.getEncoder().encodeToString(data), text);
            ByteBuf dec = EngineCodec.decodeBase64(enc, enc.readerIndex(), enc.readableBytes(), ALLOC);
            assertArrayEquals(data, ByteBufUtil.getBytes(dec));
            src.release();
            enc.release();
            dec.release();
        }
    }

    @Test
    void malformedPayloadsAreRefusedWithoutLeaking() {
        assertEquals(Malformed.BAD_PACKET_TYPE, malformed("abc"));
        assertEquals(Malformed.BAD_PACKET_TYPE, malformed("7hello"));
        assertEquals(Malformed.BAD_PACKET_TYPE, malformed("4ok\u001e9"));
        assertEquals(Malformed.EMPTY_PACKET, malformed(""));
        assertEquals(Malformed.EMPTY_PACKET, malformed("4a\u001e\u001e4b"));
        assertEquals(Malformed.EMPTY_PACKET, malformed("4a\u001e"));
        assertEquals(Malformed.BAD_BASE64, malformed("bAQ*D"));
        assertEquals(Malformed.BAD_BASE64, malformed("bA"));        // 1 char: not a whole byte
        assertEquals(Malformed.BAD_BASE64, malformed("bAQI=D=="));  // padding inside
        assertEquals(Malformed.BAD_BASE64, malformed("bAQ="));      // padded but not a multiple of 4
        assertEquals(Malformed.BAD_BASE64, malformed("bAQ ID"));    // whitespace
        // A binary packet decoded before the bad one is released, not leaked.
        assertEquals(Malformed.BAD_PACKET_TYPE, malformed("bAQIDBA==\u001e4ok\u001ex"));
    }

    @Test
    void textFramePacketDecoding() throws Exception {
        ByteBuf b = buf("xyz4hi");
        EnginePacket p = EngineCodec.decodePacket(b, 3, 3, ALLOC);
        assertEquals(PacketType.MESSAGE, p.type);
        assertEquals("hi", p.text);
        assertNull(p.binary);
        b.release();
        List<EnginePacket> list = new ArrayList<>();
        for (PacketType t : PacketType.values()) {
            ByteBuf one = buf(String.valueOf(t.digit));
            list.add(EngineCodec.decodePacket(one, 0, 1, ALLOC));
            one.release();
        }
        for (int i = 0; i < list.size(); i++) {
            assertEquals(PacketType.values()[i], list.get(i).type);
        }
    }
}
