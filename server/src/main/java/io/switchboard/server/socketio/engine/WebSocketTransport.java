package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.Disconnects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The frames of one upgraded Engine.IO connection ({@link HandlerNames#SOCKETIO_WS}), after the
 * WebSocket frame aggregator: text frames are packets, binary frames are binary messages (raw,
 * v4), pings are answered, a close is echoed. Packets are decoded here, on the connection's loop,
 * and handed to the session's loop.
 */
final class WebSocketTransport extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(WebSocketTransport.class);
    private final EngineSession session;
    /** Whether this connection is an upgrade probe that has not sent the upgrade packet yet. */
    private boolean probing;
    /** Whether the connection's loop is the session's: its packets are handed over in place. */
    private boolean sameLoop;

    /**
     * @param probe whether this connection upgrades an existing polling session (its 2probe is
     *        answered right here, on the connection's loop, without waiting for the hop)
     */
    WebSocketTransport(EngineSession session, boolean probe) {
        this.session = session;
        this.probing = probe;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel ch = ctx.channel();
        if (sameLoop) {
            session.wsReadStarted(ch);
        }
        try {
            if (msg instanceof TextWebSocketFrame frame) {
                ByteBuf content = frame.content();
                EnginePacket p;
                try {
                    p = EngineCodec.decodePacket(content, content.readerIndex(), content.readableBytes(), ctx.alloc());
                } catch (EngineProtocolException e) {
                    log.debug("{} Engine.IO session {}: {}", ch, session.id(), e.getMessage());
                    session.execute(() -> session.onWsError(ch, e.kind));
                    return;
                }
                if (probing) {
                    if (p.type == PacketType.PING && p.isProbe()) {
                        ctx.writeAndFlush(new TextWebSocketFrame(EngineCodec.encodeText(EnginePacket.PROBE_PONG,
                                ctx.alloc())));
                    } else {
                        probing = false;
                    }
                }
                hand(ch, p);
            } else if (msg instanceof BinaryWebSocketFrame frame) {
                probing = false;
                hand(ch, EnginePacket.binary(frame.content().retain()));
            } else if (msg instanceof PingWebSocketFrame frame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame frame) {
                int status = frame.statusCode();
                CloseWebSocketFrame answer = status < 0 ? new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE)
                        : new CloseWebSocketFrame(status, frame.reasonText());
                ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void hand(Channel ch, EnginePacket p) {
        if (sameLoop) {
            session.onWsPacket(ch, p);
        } else if (!session.execute(() -> session.onWsPacket(ch, p))) {
            p.release();
        }
    }

    /** What the read's packets queued leaves now, in one flush, rather than in a task of its own. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (sameLoop) {
            session.wsReadComplete(ctx.channel());
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        sameLoop = ctx.channel().eventLoop() == session.eventLoop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        session.execute(() -> session.onWsClosed(ch));
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ShutdownEvent.INSTANCE) {
            session.shutdown();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Disconnects.isRoutine(cause)) {
            log.debug("{} Engine.IO WebSocket: {}", ctx.channel(), cause.toString());
        } else {
            log.debug("{} Engine.IO WebSocket failed, closing", ctx.channel(), cause);
        }
        WebSocketCloseStatus status = WebSocketCloseStatus.PROTOCOL_ERROR;
        if (cause instanceof TooLongFrameException) {
            status = WebSocketCloseStatus.MESSAGE_TOO_BIG;
        } else if (cause instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null) {
            status = corrupted.closeStatus();
        }
        Channel ch = ctx.channel();
        Malformed kind = status.equals(WebSocketCloseStatus.MESSAGE_TOO_BIG) ? Malformed.PAYLOAD_TOO_LARGE : null;
        if (kind != null) {
            session.execute(() -> session.onWsError(ch, kind));
        }
        if (ch.isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(status)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
