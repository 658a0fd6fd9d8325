package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
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
                int name = utf8Length(hello.name());
                int token = utf8Length(hello.token());
                ByteBuf buf = header(ctx, frame, 1 + 2 + name + 2 + token);
                buf.writeByte(hello.version());
                writeStr16(buf, hello.name(), name);
                writeStr16(buf, hello.token(), token);
                out.add(buf);
                return;
            }
            case WELCOME: {
                Welcome welcome = (Welcome) frame;
                int server = utf8Length(welcome.server());
                ByteBuf buf = header(ctx, frame, 1 + 8 + 4 + 4 + 2 + server);
                buf.writeByte(welcome.version());
                buf.writeLong(welcome.sessionId());
                buf.writeInt(welcome.maxFrameLength());
                buf.writeInt(welcome.idleTimeoutMillis());
                writeStr16(buf, welcome.server(), server);
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
        int messageLength = utf8Length(message);
        ByteBuf buf = header(ctx, frame, 2 + 2 + messageLength);
        buf.writeShort(code);
        writeStr16(buf, message, messageLength);
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

    private static int utf8Length(String value) {
        int length = ByteBufUtil.utf8Bytes(value);
        if (length > Wire.MAX_STRING_BYTES) {
            throw new EncoderException("string of " + length + " bytes exceeds the maximum of " + Wire.MAX_STRING_BYTES);
        }
        return length;
    }

    private static void writeStr16(ByteBuf buf, String value, int length) {
        buf.writeShort(length);
        ByteBufUtil.reserveAndWriteUtf8(buf, value, length);
    }
}
