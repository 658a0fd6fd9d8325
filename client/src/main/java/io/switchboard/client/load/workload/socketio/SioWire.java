package io.switchboard.client.load.workload.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * The client side of Engine.IO v4 and Socket.IO v5 text packets, parsed in place (no copy, no
 * string for the packets the load path sees) and written straight into one pooled buffer.
 *
 * <p>One Engine.IO packet is one WebSocket text message, or one record of a polling body
 * (records separated by {@code 0x1E}). A Socket.IO packet is the data of an Engine.IO MESSAGE:
 *
 * <pre>
 *  Engine.IO   +------+----------------------------------------------+
 *              | type | data                                         |   type: 0 open, 1 close, 2 ping,
 *              +------+----------------------------------------------+         3 pong, 4 message, 5 upgrade, 6 noop
 *  Socket.IO   +---+------+----------------+-----------+--------------+
 *  (type 4)    | 4 | type | [/namespace,]  | [ack id]  | [JSON]       |   type: 0 CONNECT, 1 DISCONNECT,
 *              +---+------+----------------+-----------+--------------+         2 EVENT, 3 ACK, 4 CONNECT_ERROR,
 *                                                                                5/6 BINARY_EVENT/ACK
 *  e.g.  42/chat,17["echo","abc"]     43/chat,17["abc"]     40{"token":"t"}     2  (ping)  3  (pong)
 * </pre>
 *
 * <p>{@link #parse} checks the framing (a known type, a namespace ending in {@code ','} within
 * {@link #MAX_NAMESPACE} bytes, canonical ack-id digits within {@link #MAX_ACK_ID}) and names the
 * bad value in its {@link SioProtocolException}; the JSON itself is left to the caller, which
 * compares it byte for byte on the fast path.
 */
final class SioWire {
    static final byte EIO_OPEN = '0';
    static final byte EIO_CLOSE = '1';
    static final byte EIO_PING = '2';
    static final byte EIO_PONG = '3';
    static final byte EIO_MESSAGE = '4';
    static final byte EIO_UPGRADE = '5';
    static final byte EIO_NOOP = '6';

    static final int SIO_CONNECT = 0;
    static final int SIO_DISCONNECT = 1;
    static final int SIO_EVENT = 2;
    static final int SIO_ACK = 3;
    static final int SIO_CONNECT_ERROR = 4;
    static final int SIO_BINARY_EVENT = 5;
    static final int SIO_BINARY_ACK = 6;

    /** The longest namespace accepted from a server, in bytes. */
    static final int MAX_NAMESPACE = 256;
    /** The largest ack id accepted (the client never uses more than its pipeline). */
    static final long MAX_ACK_ID = 0xFFFF_FFFFL;
    /** No ack id in the packet. */
    static final long NO_ACK = -1;

    /** The record separator of polling bodies. */
    static final byte RECORD_SEPARATOR = 0x1E;
    static final ByteProcessor FIND_RS = b -> b != RECORD_SEPARATOR;

    private SioWire() {
    }

    /**
     * One parsed Socket.IO packet, reused per connection: its fields point into the buffer that
     * was parsed and are valid until the next parse.
     */
    static final class Packet {
        /** Socket.IO packet type, {@link #SIO_CONNECT} ... */
        int type;
        /** Namespace bounds in the buffer, or {@code nsFrom == nsTo} for {@code /}. */
        int nsFrom;
        int nsTo;
        /** The ack id, or {@link #NO_ACK}. */
        long ackId;
        /** Where the JSON starts (may equal {@link #end}: no JSON). */
        int json;
        int end;

        boolean namespaceIs(ByteBuf buf, byte[] namespace) {
            if (namespace.length == 0) {
                return nsFrom == nsTo;
            }
            int n = nsTo - nsFrom;
            if (n != namespace.length) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (buf.getByte(nsFrom + i) != namespace[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Parses the Socket.IO packet in {@code buf[from, to)} (after the Engine.IO type {@code 4}).
     *
     * @throws SioProtocolException naming the bad value
     */
    static void parse(ByteBuf buf, int from, int to, Packet out) throws SioProtocolException {
        if (from >= to) {
            throw new SioProtocolException("an empty Socket.IO packet");
        }
        int type = buf.getByte(from) - '0';
        if (type < 0 || type > 6) {
            throw new SioProtocolException("Socket.IO packet type " + printable(buf.getByte(from))
                    + " (expected: 0 to 6) in " + excerpt(buf, from - 1, to));
        }
        out.type = type;
        int at = from + 1;
        if (type == SIO_BINARY_EVENT || type == SIO_BINARY_ACK) {
            throw new SioProtocolException("a binary Socket.IO packet (" + excerpt(buf, from - 1, to)
                    + "): the load tool sends text and expects text back");
        }
        out.nsFrom = out.nsTo = at;
        if (at < to && buf.getByte(at) == '/') {
            int comma = -1;
            int limit = Math.min(to, at + MAX_NAMESPACE + 1);
            for (int i = at; i < limit; i++) {
                if (buf.getByte(i) == ',') {
                    comma = i;
                    break;
                }
            }
            if (comma < 0) {
                // "40/chat" with nothing after it is the whole packet: namespace to the end.
                if (to - at <= MAX_NAMESPACE) {
                    comma = to;
                } else {
                    throw new SioProtocolException("a namespace longer than " + MAX_NAMESPACE + " bytes in "
                            + excerpt(buf, from - 1, to));
                }
            }
            out.nsTo = comma;
            at = Math.min(to, comma + 1);
        }
        long id = NO_ACK;
        int digits = 0;
        while (at < to) {
            byte b = buf.getByte(at);
            if (b < '0' || b > '9') {
                break;
            }
            if (digits == 1 && id == 0) {
                throw new SioProtocolException("ack id with a leading zero in " + excerpt(buf, from - 1, to));
            }
            id = (id < 0 ? 0 : id * 10) + (b - '0');
            if (id > MAX_ACK_ID) {
                throw new SioProtocolException("ack id over " + MAX_ACK_ID + " in " + excerpt(buf, from - 1, to));
            }
            digits++;
            at++;
        }
        out.ackId = id;
        out.json = at;
        out.end = to;
    }

    /** Whether {@code buf[at, at + bytes.length)} equals {@code bytes}. */
    static boolean regionEquals(ByteBuf buf, int at, int end, byte[] bytes) {
        if (end - at < bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (buf.getByte(at + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code value} (0 or more) in decimal. */
    static void writeDecimal(ByteBuf out, long value) {
        if (value < 10) {
            out.writeByte('0' + (int) value);
            return;
        }
        int start = out.writerIndex();
        int n = 0;
        for (long v = value; v > 0; v /= 10) {
            n++;
        }
        out.ensureWritable(n);
        long v = value;
        for (int i = n - 1; i >= 0; i--) {
            out.setByte(start + i, '0' + (int) (v % 10));
            v /= 10;
        }
        out.writerIndex(start + n);
    }

    /** Writes {@code value} as {@code width} lower-case hex digits. */
    static void writeHex(ByteBuf out, long value, int width) {
        for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(int) (value >>> shift) & 0xF]);
        }
    }

    /** Reads {@code width} hex digits at {@code at}, or -1 when one is not a hex digit. */
    static long readHex(ByteBuf buf, int at, int width) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            int d = Character.digit(buf.getByte(at + i), 16);
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** A JSON string literal of {@code s} (quotes and escapes), for the fixed parts of packets. */
    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Up to 120 bytes of {@code buf[from, to)} as text, for error messages. */
    static String excerpt(ByteBuf buf, int from, int to) {
        int start = Math.max(0, from);
        int n = Math.min(120, to - start);
        String s = buf.toString(start, Math.max(0, n), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.append(to - start > 120 ? "...\"" : "\"").toString();
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xFF);
    }
}
