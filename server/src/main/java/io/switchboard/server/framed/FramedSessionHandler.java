package io.switchboard.server.framed;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.Version;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.InvalidFrame;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Disconnects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import java.util.concurrent.TimeUnit;

/**
 * One framed-protocol session: the handshake, then PING, ECHO and BYE. Replies are written in
 * request order and flushed once per read batch. Stateful: one instance per connection.
 */
final class FramedSessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(FramedSessionHandler.class);
    /** How long a closing session keeps draining its peer's input after the final frame. */
    static final long LINGER_MILLIS = 2000;

    private final long sessionId;
    private final int maxFrameLength;
    private final int idleTimeoutMillis;
    private boolean handshaken;
    private boolean closing;
    private boolean needsFlush;

    FramedSessionHandler(long sessionId, int maxFrameLength, int idleTimeoutMillis) {
        this.sessionId = sessionId;
        this.maxFrameLength = maxFrameLength;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing || !(msg instanceof Frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        if (frame instanceof InvalidFrame) {
            InvalidFrame invalid = (InvalidFrame) frame;
            log.debug("{} invalid input: {}", ctx.channel(), invalid.message());
            if (invalid.fatal()) {
                closeWith(ctx, invalid.toError());
            } else {
                reply(ctx, invalid.toError());
            }
            return;
        }
        if (!frame.opcode().clientMaySend()) {
            ReferenceCountUtil.release(frame);
            reply(ctx, new ErrorFrame(frame.requestId(), ErrorCode.UNEXPECTED_OPCODE,
                    frame.opcode() + " is sent by servers only"));
            return;
        }
        if (frame instanceof Hello) {
            hello(ctx, (Hello) frame);
            return;
        }
        if (!handshaken) {
            ReferenceCountUtil.release(frame);
            reply(ctx, new ErrorFrame(frame.requestId(), ErrorCode.HANDSHAKE_REQUIRED,
                    frame.opcode() + " before HELLO: send HELLO first"));
            return;
        }
        switch (frame.opcode()) {
            case PING:
            case ECHO:
                reply(ctx, ((PayloadFrame) frame).reply());
                break;
            case PONG:
                ReferenceCountUtil.release(frame);
                break;
            case BYE:
                log.debug("{} said bye: {}", ctx.channel(), ((Bye) frame).message());
                closeWith(ctx, null);
                break;
            default:
                ReferenceCountUtil.release(frame);
                reply(ctx, new ErrorFrame(frame.requestId(), ErrorCode.UNEXPECTED_OPCODE,
                        frame.opcode() + " is not a request"));
                break;
        }
    }

    private void hello(ChannelHandlerContext ctx, Hello hello) {
        if (handshaken) {
            reply(ctx, new ErrorFrame(hello.requestId(), ErrorCode.ALREADY_HANDSHAKEN, "the handshake is already done"));
            return;
        }
        if (hello.version() != Wire.PROTOCOL_VERSION) {
            reply(ctx, new ErrorFrame(hello.requestId(), ErrorCode.UNSUPPORTED_VERSION, "protocol version "
                    + hello.version() + " is not supported (expected: " + Wire.PROTOCOL_VERSION + ")"));
            return;
        }
        int nameBytes = ByteBufUtil.utf8Bytes(hello.name());
        if (nameBytes > Wire.MAX_NAME_BYTES) {
            reply(ctx, new ErrorFrame(hello.requestId(), ErrorCode.INVALID_ARGUMENT, "name of " + nameBytes
                    + " bytes is too long (expected: at most " + Wire.MAX_NAME_BYTES + ")"));
            return;
        }
        handshaken = true;
        log.debug("{} session {} started by '{}'", ctx.channel(), sessionId, hello.name());
        reply(ctx, new Welcome(hello.requestId(), Wire.PROTOCOL_VERSION, sessionId, maxFrameLength,
                idleTimeoutMillis, Version.product()));
    }

    private void reply(ChannelHandlerContext ctx, Frame reply) {
        ctx.write(reply, ctx.voidPromise());
        needsFlush = true;
    }

    /**
     * Sends {@code last} (if any) after everything queued, then closes gracefully: the output is
     * shut down (FIN) and later input is read and dropped for up to {@link #LINGER_MILLIS}, so that
     * the peer receives the final frame instead of a reset caused by its own unread bytes.
     */
    private void closeWith(ChannelHandlerContext ctx, Frame last) {
        closing = true;
        needsFlush = false;
        Channel channel = ctx.channel();
        ctx.writeAndFlush(last == null ? Unpooled.EMPTY_BUFFER : last).addListener(written -> {
            if (!written.isSuccess() || !(channel instanceof DuplexChannel)) {
                channel.close();
                return;
            }
            ((DuplexChannel) channel).shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    channel.close();
                }
            });
            channel.config().setAutoRead(true);
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (needsFlush) {
            needsFlush = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !closing) {
            log.debug("{} idle for {} ms, closing", ctx.channel(), idleTimeoutMillis);
            closeWith(ctx, new ErrorFrame(0, ErrorCode.IDLE_TIMEOUT,
                    "no frame received for " + idleTimeoutMillis + " ms"));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Disconnects.isRoutine(cause)) {
            log.debug("{} closed: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        log.warn("{} session {} failed", ctx.channel(), sessionId, cause);
        if (!closing) {
            closeWith(ctx, new ErrorFrame(0, ErrorCode.INTERNAL_ERROR, "internal error"));
        } else {
            ctx.close();
        }
    }
}
