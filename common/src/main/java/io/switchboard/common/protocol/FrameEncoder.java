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
                return withPayload(alloc, frame, Fields.NONE, ((PayloadFrame) frame).content());
            case ACK:
                return withPayload(alloc, frame, Fields.NONE, ((Ack) frame).content());
            case PUBLISH: {
                Publish publish = (Publish) frame;
                Fields fields = new Fields().u8(publish.target().code());
                if (publish.target() == Target.ROOM) {
                    fields.str16(publish.room());
                } else if (publish.target() == Target.SESSION) {
                    fields.u64(publish.sessionId());
                }
                return withPayload(alloc, frame, fields.str16(publish.event()), publish.content());
            }
            case EVENT: {
                Event event = (Event) frame;
                Fields fields = new Fields().u64(event.senderId()).u8(event.target().code())
                        .str16(event.room()).str16(event.event());
                return withPayload(alloc, frame, fields, event.content());
            }
            case HELLO: {
                Hello hello = (Hello) frame;
                return fieldsOnly(alloc, frame, new Fields().u8(hello.version()).str16(hello.name()).str16(hello.token()));
            }
            case WELCOME: {
                Welcome w = (Welcome) frame;
                return fieldsOnly(alloc, frame, new Fields().u8(w.version()).u64(w.sessionId()).u32(w.maxFrameLength())
                        .u32(w.idleTimeoutMillis()).str16(w.server()));
            }
            case ERROR: {
                ErrorFrame error = (ErrorFrame) frame;
                return fieldsOnly(alloc, frame, new Fields().u16(error.code()).str16(error.message()));
            }
            case BYE: {
                Bye bye = (Bye) frame;
                return fieldsOnly(alloc, frame, new Fields().u16(bye.code()).str16(bye.message()));
            }
            case JOIN:
                return fieldsOnly(alloc, frame, new Fields().str16(((Join) frame).room()));
            case LEAVE:
                return fieldsOnly(alloc, frame, new Fields().str16(((Leave) frame).room()));
            case MEMBERS:
                return fieldsOnly(alloc, frame, new Fields().str16(((Members) frame).room()));
            case MEMBERS_REPLY: {
                MembersReply reply = (MembersReply) frame;
                Fields fields = new Fields().str16(reply.room()).u32(reply.members().size());
                for (MembersReply.MemberInfo member : reply.members()) {
                    fields.u64(member.sessionId()).str16(member.name());
                }
                return fieldsOnly(alloc, frame, fields);
            }
            case JOINED:
            case LEFT: {
                Presence presence = (Presence) frame;
                return fieldsOnly(alloc, frame, new Fields().str16(presence.room()).u64(presence.sessionId())
                        .str16(presence.name()));
            }
            default:
                throw new EncoderException("cannot encode " + frame);
        }
    }

    private static ByteBuf fieldsOnly(ByteBufAllocator alloc, Frame frame, Fields fields) {
        ByteBuf buf = header(alloc, frame, fields.length, fields.length);
        fields.writeTo(buf);
        return buf;
    }

    private static ByteBuf withPayload(ByteBufAllocator alloc, Frame frame, Fields fields, ByteBuf payload) {
        int length = payload.readableBytes();
        int body = fields.length + length;
        if (length <= COPY_THRESHOLD) {
            ByteBuf buf = header(alloc, frame, body, body);
            fields.writeTo(buf);
            buf.writeBytes(payload, payload.readerIndex(), length);
            return buf;
        }
        ByteBuf head = header(alloc, frame, body, fields.length);
        fields.writeTo(head);
        CompositeByteBuf composite = alloc.compositeDirectBuffer(2);
        composite.addComponents(true, head, payload.retainedSlice());
        return composite;
    }

    /** Allocates room for the header plus {@code capacityAfterHeader} bytes and writes the header. */
    private static ByteBuf header(ByteBufAllocator alloc, Frame frame, int bodyLength, int capacityAfterHeader) {
        ByteBuf buf = alloc.ioBuffer(Wire.HEADER_BYTES + capacityAfterHeader);
        buf.writeInt(Wire.MIN_LENGTH + bodyLength);
        buf.writeByte(frame.opcode().code());
        buf.writeByte(frame.flags());
        buf.writeInt(frame.requestId());
        return buf;
    }

    /**
     * The fixed fields of a body, measured before the buffer is allocated. String fields are
     * encoded by the JDK, which replaces unpaired surrogates with '?' and so always yields
     * well-formed UTF-8 (Netty's writeUtf8 does not).
     */
    private static final class Fields {
        static final Fields NONE = new Fields();

        private final List<Object> values = new java.util.ArrayList<>(6);
        int length;

        Fields u8(int value) {
            values.add((byte) value);
            length += 1;
            return this;
        }

        Fields u16(int value) {
            values.add((short) value);
            length += 2;
            return this;
        }

        Fields u32(int value) {
            values.add(value);
            length += 4;
            return this;
        }

        Fields u64(long value) {
            values.add(value);
            length += 8;
            return this;
        }

        Fields str16(String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > Wire.MAX_STRING_BYTES) {
                throw new EncoderException("string of " + bytes.length + " bytes exceeds the maximum of "
                        + Wire.MAX_STRING_BYTES);
            }
            values.add(bytes);
            length += 2 + bytes.length;
            return this;
        }

        void writeTo(ByteBuf buf) {
            for (Object value : values) {
                if (value instanceof Byte) {
                    buf.writeByte((Byte) value);
                } else if (value instanceof Short) {
                    buf.writeShort((Short) value);
                } else if (value instanceof Integer) {
                    buf.writeInt((Integer) value);
                } else if (value instanceof Long) {
                    buf.writeLong((Long) value);
                } else {
                    byte[] bytes = (byte[]) value;
                    buf.writeShort(bytes.length);
                    buf.writeBytes(bytes);
                }
            }
        }
    }
}
