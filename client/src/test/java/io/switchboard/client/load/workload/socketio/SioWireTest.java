package io.switchboard.client.load.workload.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The Socket.IO framing parsed in place: namespaces, ack ids, and every refusal naming its value. */
class SioWireTest {
    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** Parses the Socket.IO part of an Engine.IO message {@code 4...}. */
    private static SioWire.Packet parse(String message) throws SioProtocolException {
        ByteBuf b = text(message);
        try {
            SioWire.Packet p = new SioWire.Packet();
            SioWire.parse(b, 1, b.writerIndex(), p);
            return p;
        } finally {
            b.release();
        }
    }

    @Test
    void typeNamespaceAckIdAndJsonAreFound() throws Exception {
        SioWire.Packet p = parse("43/chat,17[\"x\"]");
        assertEquals(SioWire.SIO_ACK, p.type);
        assertEquals(17, p.ackId);
        assertEquals(10, p.json);
        assertEquals(2, p.nsFrom);
        assertEquals(7, p.nsTo);
        p = parse("42[\"load\",\"a\"]");
        assertEquals(SioWire.SIO_EVENT, p.type);
        assertEquals(SioWire.NO_ACK, p.ackId);
        assertEquals(p.nsFrom, p.nsTo);
        assertEquals(2, p.json);
        p = parse("40/chat");
        assertEquals(SioWire.SIO_CONNECT, p.type);
        assertEquals(p.end, p.json);
        assertEquals(0, parse("430[]").ackId);
    }

    @Test
    void theNamespaceIsComparedByteForByte() throws Exception {
        ByteBuf b = text("42/chat,[\"x\"]");
        try {
            SioWire.Packet p = new SioWire.Packet();
            SioWire.parse(b, 1, b.writerIndex(), p);
            assertTrue(p.namespaceIs(b, "/chat".getBytes(StandardCharsets.US_ASCII)));
            assertTrue(!p.namespaceIs(b, "/chas".getBytes(StandardCharsets.US_ASCII)));
            assertTrue(!p.namespaceIs(b, new byte[0]));
        } finally {
            b.release();
        }
    }

    @Test
    void badFramingIsRefusedWithTheValue() {
        assertEquals("an empty Socket.IO packet", assertThrows(SioProtocolException.class, () -> parse("4")).getMessage());
        assertEquals("Socket.IO packet type 'x' (expected: 0 to 6) in \"4x\"",
                assertThrows(SioProtocolException.class, () -> parse("4x")).getMessage());
        assertEquals("ack id with a leading zero in \"4301[]\"",
                assertThrows(SioProtocolException.class, () -> parse("4301[]")).getMessage());
        assertEquals("ack id over 4294967295 in \"434294967296[]\"",
                assertThrows(SioProtocolException.class, () -> parse("434294967296[]")).getMessage());
        assertTrue(assertThrows(SioProtocolException.class, () -> parse("42/" + "n".repeat(300) + "[]"))
                .getMessage().startsWith("a namespace longer than 256 bytes"));
        assertTrue(assertThrows(SioProtocolException.class, () -> parse("45-1[]")).getMessage()
                .startsWith("a binary Socket.IO packet"));
    }

    @Test
    void numbersAreWrittenAndReadBack() {
        ByteBuf b = Unpooled.buffer();
        try {
            SioWire.writeDecimal(b, 0);
            SioWire.writeDecimal(b, 1234567890123L);
            assertEquals("01234567890123", b.toString(StandardCharsets.US_ASCII));
            b.clear();
            SioWire.writeHex(b, -5L, 16);
            SioWire.writeHex(b, 0xBEEF, 4);
            assertEquals("fffffffffffffffbbeef", b.toString(StandardCharsets.US_ASCII));
            assertEquals(-5L, SioWire.readHex(b, 0, 16));
            assertEquals(0xBEEF, SioWire.readHex(b, 16, 4));
            b.setByte(0, 'g');
            assertEquals(-1, SioWire.readHex(b, 0, 16));
        } finally {
            b.release();
        }
    }

    @Test
    void jsonStringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\u0001\"", SioWire.jsonString("a\"b\\c\u0001"));
    }
}
