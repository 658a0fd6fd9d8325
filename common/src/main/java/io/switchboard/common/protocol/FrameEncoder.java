package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
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
        switch (frame.opcode()) {
            case PING:
            case PONG:
            case ECHO:
            case ECHO_REPLY:
                out.add(encodePayload(ctx, (PayloadFrame) frame));
                return;
            case HELLO: {
                Hello hello = (Hello) frame;
                byte[] name = utf8(hello.name());
                byte[] token = utf8(hello.token());
                ByteBuf buf = header(ctx, frame, 1 + 2 + name.length + 2 + token.length);
                buf.writeByte(hello.version());
                writeStr16(buf, name);
                writeStr16(buf, token);
                out.add(buf);
                return;
            }
            case WELCOME: {
                Welcome welcome = (Welcome) frame;
                byte[] server = utf8(welcome.server());
                ByteBuf buf = header(ctx, frame, 1 + 8 + 4 + 4 + 2 + server.length);
                buf.writeByte(welcome.version());
                buf.writeLong(welcome.sessionId());
                buf.writeInt(welcome.maxFrameLength());
                buf.writeInt(welcome.idleTimeoutMillis());
                writeStr16(buf, server);
                out.add(buf);
                return;
            }
            case ERROR: {
                ErrorFrame error = (ErrorFrame) frame;
                out.add(codeAndMessage(ctx, frame, error.code(), error.message()));
                return;
            }
            case BYE: {
                Bye bye = (Bye) frame;
                out.add(codeAndMessage(ctx, frame, bye.code(), bye.message()));
                return;
            }
            default:
                throw new EncoderException("cannot encode " + frame);
        }
    }

    private static ByteBuf encodePayload(ChannelHandlerContext ctx, PayloadFrame frame) {
        ByteBuf payload = frame.content();
        int length = payload.readableBytes();
        if (length <= COPY_THRESHOLD) {
            ByteBuf buf = header(ctx, frame, length);
            buf.writeBytes(payload, payload.readerIndex(), length);
            return buf;
        }
        CompositeByteBuf composite = ctx.alloc().compositeDirectBuffer(2);
        composite.addComponents(true, header(ctx, frame, length), payload.retain());
        return composite;
    }

    private static ByteBuf codeAndMessage(ChannelHandlerContext ctx, Frame frame, int code, String message) {
        byte[] bytes = utf8(message);
        ByteBuf buf = header(ctx, frame, 2 + 2 + bytes.length);
        buf.writeShort(code);
        writeStr16(buf, bytes);
        return buf;
    }

    /** Allocates a buffer for the whole frame (or only its header, for large payloads) and writes the header. */
    private static ByteBuf header(ChannelHandlerContext ctx, Frame frame, int bodyLength) {
        int capacity = Wire.HEADER_BYTES + (bodyLength <= COPY_THRESHOLD || !(frame instanceof PayloadFrame) ? bodyLength : 0);
        ByteBuf buf = ctx.alloc().ioBuffer(capacity);
        buf.writeInt(Wire.MIN_LENGTH + bodyLength);
        buf.writeByte(frame.opcode().code());
        buf.writeByte(0);
        buf.writeInt(frame.requestId());
        return buf;
    }

    /**
     * The UTF-8 bytes of a string field. The JDK encoder replaces unpaired surrogates with '?' and
     * always yields well-formed UTF-8; Netty's ByteBufUtil.writeUtf8 does not (an unpaired high
     * surrogate followed by a non-ASCII char comes out as invalid UTF-8, which receivers reject).
     */
    private static byte[] utf8(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Wire.MAX_STRING_BYTES) {
            throw new EncoderException("string of " + bytes.length + " bytes exceeds the maximum of " + Wire.MAX_STRING_BYTES);
        }
        return bytes;
    }

    private static void writeStr16(ByteBuf buf, byte[] bytes) {
        buf.writeShort(bytes.length);
        buf.writeBytes(bytes);
    }
}
