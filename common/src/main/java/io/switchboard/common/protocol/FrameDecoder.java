package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns bytes into {@link Frame}s. Every frame, in both directions, has this layout (all integers
 * big-endian, unsigned):
 *
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+
 * |                     length (uint32, &gt;= 6)                     |
 * +---------------+---------------+-------------------------------+
 * |  opcode (u8)  |  flags (u8)   |     request id (uint32) ...   |
 * +---------------+---------------+-------------------------------+
 * |  ... request id               |  body (length - 6 bytes) ...  |
 * +-------------------------------+-------------------------------+
 * </pre>
 *
 * <p>{@code length} counts the bytes after the length field. Strings in bodies are {@code str16}:
 * a uint16 byte count followed by that many bytes of UTF-8.
 *
 * <p>Input that cannot be a frame is not an exception: the decoder emits an {@link InvalidFrame}
 * naming the error and the bad value, so the handler can answer with an ERROR frame.
 * <ul>
 *   <li>{@code length} above the maximum, or below 6: framing is lost. An {@link InvalidFrame}
 *       with {@link ErrorCode#FRAME_TOO_LARGE} or {@link ErrorCode#FRAME_TOO_SHORT} is emitted at
 *       once (without waiting for the body) and all further input is discarded.</li>
 *   <li>An unassigned opcode, flags this opcode does not define, or a body that is truncated, has
 *       bytes left over or holds invalid UTF-8: the frame is skipped and an {@link InvalidFrame}
 *       carrying its request id is emitted; decoding goes on with the next frame.</li>
 * </ul>
 *
 * <p>Payloads (of {@link PayloadFrame}, {@link Publish}, {@link Event} and {@link Ack}) are
 * retained slices of the input: no copy.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxFrameLength;
    private boolean broken;

    /** A decoder accepting length fields up to {@link Wire#DEFAULT_MAX_FRAME_LENGTH}. */
    public FrameDecoder() {
        this(Wire.DEFAULT_MAX_FRAME_LENGTH);
    }

    /**
     * @param maxFrameLength the largest length field accepted, from {@value Wire#MIN_LENGTH} to
     *     {@link Wire#MAX_MAX_FRAME_LENGTH}
     */
    public FrameDecoder(int maxFrameLength) {
        if (maxFrameLength < Wire.MIN_LENGTH || maxFrameLength > Wire.MAX_MAX_FRAME_LENGTH) {
            throw new IllegalArgumentException("maxFrameLength: " + maxFrameLength
                    + " (expected: " + Wire.MIN_LENGTH + ".." + Wire.MAX_MAX_FRAME_LENGTH + ")");
        }
        this.maxFrameLength = maxFrameLength;
    }

    /** The largest length field this decoder accepts. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (broken) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int readable = in.readableBytes();
        if (readable < Wire.LENGTH_FIELD_BYTES) {
            return;
        }
        int start = in.readerIndex();
        long length = in.getUnsignedInt(start);
        if (length < Wire.MIN_LENGTH || length > maxFrameLength) {
            broken = true;
            int requestId = readable >= Wire.HEADER_BYTES ? in.getInt(start + 6) : 0;
            int opcode = readable > Wire.LENGTH_FIELD_BYTES ? in.getUnsignedByte(start + 4) : -1;
            in.skipBytes(readable);
            out.add(length < Wire.MIN_LENGTH
                    ? new InvalidFrame(requestId, opcode, ErrorCode.FRAME_TOO_SHORT,
                            "frame length " + length + " is below the minimum of " + Wire.MIN_LENGTH)
                    : new InvalidFrame(requestId, opcode, ErrorCode.FRAME_TOO_LARGE,
                            "frame length " + length + " exceeds the maximum of " + maxFrameLength));
            return;
        }
        if (readable < Wire.LENGTH_FIELD_BYTES + length) {
            return;
        }
        int opcodeByte = in.getUnsignedByte(start + 4);
        int flags = in.getUnsignedByte(start + 5);
        int requestId = in.getInt(start + 6);
        int bodyLength = (int) length - Wire.MIN_LENGTH;
        int bodyStart = start + Wire.HEADER_BYTES;
        in.readerIndex(bodyStart + bodyLength);
        out.add(decodeBody(in, opcodeByte, flags, requestId, bodyStart, bodyLength));
    }

    private static Frame decodeBody(ByteBuf in, int opcodeByte, int flags, int requestId, int index, int length) {
        Opcode opcode = Opcode.of(opcodeByte);
        if (opcode == null) {
            return new InvalidFrame(requestId, opcodeByte, ErrorCode.UNKNOWN_OPCODE,
                    String.format("unknown opcode 0x%02x", opcodeByte));
        }
        if ((flags & ~opcode.allowedFlags()) != 0) {
            return new InvalidFrame(requestId, opcodeByte, ErrorCode.RESERVED_FLAGS,
                    String.format("flags 0x%02x are not defined for %s", flags & ~opcode.allowedFlags(), opcode));
        }
        switch (opcode) {
            case PING:
            case PONG:
            case ECHO:
            case ECHO_REPLY:
                return PayloadFrame.of(opcode, requestId, in.retainedSlice(index, length));
            case ACK:
                return new Ack(requestId, in.retainedSlice(index, length));
            default:
                break;
        }
        BodyReader body = new BodyReader(in, index, length);
        try {
            Frame frame;
            switch (opcode) {
                case HELLO:
                    frame = new Hello(requestId, body.u8("version"), body.str16("name"), body.str16("token"));
                    break;
                case WELCOME:
                    frame = new Welcome(requestId, body.u8("version"), body.u64("session id"),
                            body.u32AsInt("max frame length"), body.u32AsInt("idle timeout"), body.str16("server"));
                    break;
                case ERROR:
                    frame = new ErrorFrame(requestId, body.u16("code"), body.str16("message"));
                    break;
                case BYE:
                    frame = new Bye(requestId, body.u16("code"), body.str16("message"));
                    break;
                case JOIN:
                    frame = new Join(requestId, flags, body.str16("room"));
                    break;
                case LEAVE:
                    frame = new Leave(requestId, flags, body.str16("room"));
                    break;
                case MEMBERS: {
                    String room = body.str16("room");
                    if (body.remaining() == 0) {
                        frame = new Members(requestId, room);
                        break;
                    }
                    long after = body.u64("after");
                    int limit = body.u32AsInt("limit");
                    if (limit < 1 || limit > Members.MAX_LIMIT) {
                        throw new MalformedBodyException("page limit " + limit + " is not between 1 and " + Members.MAX_LIMIT);
                    }
                    frame = new Members(requestId, room, after, limit);
                    break;
                }
                case MEMBERS_REPLY: {
                    String room = body.str16("room");
                    int count = body.u32AsInt("member count");
                    if ((long) count * 10 > body.remaining()) {
                        throw new MalformedBodyException("member count " + count + " does not fit in the "
                                + body.remaining() + " bytes left");
                    }
                    List<MembersReply.MemberInfo> members = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        members.add(new MembersReply.MemberInfo(body.u64("member session id"), body.str16("member name")));
                    }
                    frame = body.remaining() == 0 ? new MembersReply(requestId, room, members)
                            : new MembersReply(requestId, room, members, true, body.u64("next"));
                    break;
                }
                case JOINED:
                case LEFT:
                    frame = new Presence(opcode, body.str16("room"), body.u64("session id"), body.str16("name"), requestId);
                    break;
                case PUBLISH: {
                    Target target = body.target();
                    String room = target == Target.ROOM ? body.str16("room") : "";
                    long session = target == Target.SESSION ? body.u64("session id") : 0;
                    String event = body.str16("event");
                    return new Publish(requestId, flags, target, room, session, event, body.retainedRest());
                }
                case EVENT: {
                    long sender = body.u64("sender id");
                    Target target = body.target();
                    String room = body.str16("room");
                    String event = body.str16("event");
                    return new Event(requestId, flags, sender, target, room, event, body.retainedRest());
                }
                default:
                    throw new IllegalStateException("no body decoder for " + opcode);
            }
            body.end(opcode);
            return frame;
        } catch (MalformedBodyException e) {
            return new InvalidFrame(requestId, opcodeByte, ErrorCode.MALFORMED_BODY, opcode + ": " + e.getMessage());
        }
    }

    /** Reads the fields of one body, checking each against the bytes left. */
    private static final class BodyReader {
        private final ByteBuf buf;
        private final int end;
        private int index;

        BodyReader(ByteBuf buf, int index, int length) {
            this.buf = buf;
            this.index = index;
            this.end = index + length;
        }

        private void need(int bytes, String field) {
            if (end - index < bytes) {
                throw new MalformedBodyException("body ends inside field '" + field + "' (needs " + bytes
                        + " bytes, " + (end - index) + " left)");
            }
        }

        int u8(String field) {
            need(1, field);
            return buf.getUnsignedByte(index++);
        }

        int u16(String field) {
            need(2, field);
            int value = buf.getUnsignedShort(index);
            index += 2;
            return value;
        }

        int u32AsInt(String field) {
            need(4, field);
            long value = buf.getUnsignedInt(index);
            index += 4;
            if (value > Integer.MAX_VALUE) {
                throw new MalformedBodyException("field '" + field + "' is " + value + " (expected: at most "
                        + Integer.MAX_VALUE + ")");
            }
            return (int) value;
        }

        long u64(String field) {
            need(8, field);
            long value = buf.getLong(index);
            index += 8;
            return value;
        }

        String str16(String field) {
            int length = u16(field + " length");
            need(length, field);
            ByteBuffer bytes = buf.nioBuffer(index, length);
            index += length;
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes).toString();
            } catch (CharacterCodingException e) {
                throw new MalformedBodyException("field '" + field + "' is not valid UTF-8");
            }
        }

        int remaining() {
            return end - index;
        }

        Target target() {
            int code = u8("target");
            Target target = Target.of(code);
            if (target == null) {
                throw new MalformedBodyException("target " + code + " is not assigned (expected: 0 room, 1 all, 2 session)");
            }
            return target;
        }

        /** The rest of the body as the payload: a retained slice, no copy. */
        ByteBuf retainedRest() {
            ByteBuf payload = buf.retainedSlice(index, end - index);
            index = end;
            return payload;
        }

        void end(Opcode opcode) {
            if (index != end) {
                throw new MalformedBodyException((end - index) + " bytes left over after the last field");
            }
        }
    }

    /** Control flow for a malformed body; carries no stack trace. */
    private static final class MalformedBodyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedBodyException(String message) {
            super(message, null, false, false);
        }
    }
}
