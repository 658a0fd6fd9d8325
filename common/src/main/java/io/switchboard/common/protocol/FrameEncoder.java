package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes {@link Frame}s in the layout described on {@link FrameDecoder}. Stateless and shared.
 *
 * <p>Small payloads are copied next to their header into one pooled buffer (one buffer is cheaper
 * to write than two); larger ones are written as a header plus the payload itself, without a copy.
 * {@link #encode(ByteBufAllocator, Frame)} does the same outside a pipeline, for a frame that is
 * encoded once and written to many channels.
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    /** The shared instance. */
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    /** Payloads up to this many bytes are copied next to the header. */
    static final int COPY_THRESHOLD = 1024;

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        out.add(encode(ctx.alloc(), frame));
    }

    /**
     * Encodes one frame into a new buffer the caller owns. Does not release {@code frame}; a
     * large payload is shared (retained), not copied.
     */
    public static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        switch (frame.opcode()) {
            case PING:
            case PONG:
            case ECHO:
            case ECHO_REPLY:
                return withPayload(alloc, begin(alloc, frame, ((PayloadFrame) frame).content()),
                        ((PayloadFrame) frame).content());
            case ACK:
                return withPayload(alloc, begin(alloc, frame, ((Ack) frame).content()), ((Ack) frame).content());
            case PUBLISH: {
                Publish publish = (Publish) frame;
                ByteBuf buf = begin(alloc, frame, publish.content());
                buf.writeByte(publish.target().code());
                if (publish.target() == Target.ROOM) {
                    str16(buf, publish.room());
                } else if (publish.target() == Target.SESSION) {
                    buf.writeLong(publish.sessionId());
                }
                str16(buf, publish.event());
                return withPayload(alloc, buf, publish.content());
            }
            case EVENT: {
                Event event = (Event) frame;
                ByteBuf buf = begin(alloc, frame, event.content());
                buf.writeLong(event.senderId());
                buf.writeByte(event.target().code());
                str16(buf, event.room());
                str16(buf, event.event());
                return withPayload(alloc, buf, event.content());
            }
            case HELLO: {
                Hello hello = (Hello) frame;
                ByteBuf buf = begin(alloc, frame, null);
                buf.writeByte(hello.version());
                str16(buf, hello.name());
                str16(buf, hello.token());
                return end(buf);
            }
            case WELCOME: {
                Welcome w = (Welcome) frame;
                ByteBuf buf = begin(alloc, frame, null);
                buf.writeByte(w.version());
                buf.writeLong(w.sessionId());
                buf.writeInt(w.maxFrameLength());
                buf.writeInt(w.idleTimeoutMillis());
                str16(buf, w.server());
                return end(buf);
            }
            case ERROR: {
                ErrorFrame error = (ErrorFrame) frame;
                return codeAndMessage(alloc, frame, error.code(), error.message());
            }
            case BYE: {
                Bye bye = (Bye) frame;
                return codeAndMessage(alloc, frame, bye.code(), bye.message());
            }
            case JOIN:
                return roomOnly(alloc, frame, ((Join) frame).room());
            case LEAVE:
                return roomOnly(alloc, frame, ((Leave) frame).room());
            case MEMBERS: {
                Members members = (Members) frame;
                if (!members.paged()) {
                    return roomOnly(alloc, frame, members.room());
                }
                ByteBuf buf = begin(alloc, frame, null);
                str16(buf, members.room());
                buf.writeLong(members.after());
                buf.writeInt(members.limit());
                return end(buf);
            }
            case MEMBERS_REPLY: {
                MembersReply reply = (MembersReply) frame;
                ByteBuf buf = begin(alloc, frame, null);
                str16(buf, reply.room());
                buf.writeInt(reply.members().size());
                for (MembersReply.MemberInfo member : reply.members()) {
                    buf.writeLong(member.sessionId());
                    str16(buf, member.name());
                }
                if (reply.paged()) {
                    buf.writeLong(reply.next());
                }
                return end(buf);
            }
            case JOINED:
            case LEFT: {
                Presence presence = (Presence) frame;
                ByteBuf buf = begin(alloc, frame, null);
                str16(buf, presence.room());
                buf.writeLong(presence.sessionId());
                str16(buf, presence.name());
                return end(buf);
            }
            default:
                throw new EncoderException("cannot encode " + frame);
        }
    }

    private static ByteBuf roomOnly(ByteBufAllocator alloc, Frame frame, String room) {
        ByteBuf buf = begin(alloc, frame, null);
        str16(buf, room);
        return end(buf);
    }

    private static ByteBuf codeAndMessage(ByteBufAllocator alloc, Frame frame, int code, String message) {
        ByteBuf buf = begin(alloc, frame, null);
        buf.writeShort(code);
        str16(buf, message);
        return end(buf);
    }

    /**
     * Allocates a buffer and writes the header with a placeholder length, which {@link #end} or
     * {@link #withPayload} fills in once the body is written. Room is made for a payload that
     * will be copied in.
     */
    private static ByteBuf begin(ByteBufAllocator alloc, Frame frame, ByteBuf payload) {
        int payloadBytes = payload == null ? 0 : payload.readableBytes();
        ByteBuf buf = alloc.ioBuffer(Wire.HEADER_BYTES + 64 + (payloadBytes <= COPY_THRESHOLD ? payloadBytes : 0));
        buf.writeInt(0);
        buf.writeByte(frame.opcode().code());
        buf.writeByte(frame.flags());
        buf.writeInt(frame.requestId());
        return buf;
    }

    /** Fills in the length of a frame whose body is all in {@code buf}. */
    private static ByteBuf end(ByteBuf buf) {
        buf.setInt(0, buf.writerIndex() - Wire.LENGTH_FIELD_BYTES);
        return buf;
    }

    /** Appends the payload (copied when small, shared when large) and fills in the length. */
    private static ByteBuf withPayload(ByteBufAllocator alloc, ByteBuf head, ByteBuf payload) {
        int length = payload.readableBytes();
        head.setInt(0, head.writerIndex() - Wire.LENGTH_FIELD_BYTES + length);
        if (length <= COPY_THRESHOLD) {
            head.writeBytes(payload, payload.readerIndex(), length);
            return head;
        }
        CompositeByteBuf composite = alloc.compositeDirectBuffer(2);
        composite.addComponents(true, head, payload.retainedSlice());
        return composite;
    }

    /**
     * Writes a str16 field. The JDK encoder replaces unpaired surrogates with '?' and so always
     * yields well-formed UTF-8 (Netty's writeUtf8 does not).
     */
    private static void str16(ByteBuf buf, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Wire.MAX_STRING_BYTES) {
            buf.release();
            throw new EncoderException("string of " + bytes.length + " bytes exceeds the maximum of "
                    + Wire.MAX_STRING_BYTES);
        }
        buf.writeShort(bytes.length);
        buf.writeBytes(bytes);
    }
}
