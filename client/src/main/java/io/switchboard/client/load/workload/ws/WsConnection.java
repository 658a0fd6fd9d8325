package io.switchboard.client.load.workload.ws;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.TokenQueue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One WebSocket connection of a {@link WsWorkload}: the upgrade, then (in switchboard mode) the
 * bridge's {@code welcome} for the session id, then pipelined messages whose answers come back in
 * order. Everything runs on the channel's event loop.
 */
final class WsConnection extends ChannelInboundHandlerAdapter implements LoadConnection {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ByteBuf SUFFIX = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("\"}".getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    private final WsWorkload workload;
    private final ConnectionContext ctx;
    private final WebSocketClientHandshaker handshaker;
    private final TokenQueue inFlight;
    /** Per token: where its payload starts in the payload bytes, and its size. */
    private int[] offsetOf = new int[16];
    private int[] sizeOf = new int[16];
    private ChannelHandlerContext channel;
    /** Switchboard mode: {"type":"send","session":"ID","event":"load","data":" for this session. */
    private ByteBuf prefix;
    private boolean ready;

    WsConnection(WsWorkload workload, ConnectionContext ctx, WebSocketClientHandshaker handshaker) {
        this.workload = workload;
        this.ctx = ctx;
        this.handshaker = handshaker;
        this.inFlight = new TokenQueue(workload.pipeline);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        channel = c;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        handshaker.handshake(c.channel()).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.connectFailed(f.cause());
                c.close();
            }
        });
        c.fireChannelActive();
    }

    // ---- LoadConnection ----

    @Override
    public void send(int token) {
        PayloadSource payloads = ctx.payloads();
        int size = payloads.nextSize();
        int offset = payloads.nextOffset();
        remember(token, offset, size);
        inFlight.add(token);
        WebSocketFrame frame;
        int length;
        if (workload.binary) {
            frame = new BinaryWebSocketFrame(payloads.slice(offset, size));
            length = size;
        } else if (workload.mode == WsWorkload.Mode.ECHO) {
            frame = new TextWebSocketFrame(workload.textBytes.retainedSlice(offset, size));
            length = size;
        } else {
            CompositeByteBuf message = channel.alloc().compositeBuffer(3);
            message.addComponents(true, prefix.retainedDuplicate(), workload.textBytes.retainedSlice(offset, size),
                    SUFFIX.duplicate());
            frame = new TextWebSocketFrame(message);
            length = message.readableBytes();
        }
        channel.write(frame, channel.voidPromise());
        ctx.bytesSent(frameBytes(length, true));
    }

    /** Bytes a frame with this payload takes on the wire: header, extended length, mask key. */
    private static long frameBytes(int payload, boolean masked) {
        return 2 + (payload < 126 ? 0 : payload <= 0xFFFF ? 2 : 8) + (masked ? 4 : 0) + (long) payload;
    }

    private void remember(int token, int offset, int size) {
        if (token >= offsetOf.length) {
            int n = Math.max(token + 1, offsetOf.length * 2);
            offsetOf = java.util.Arrays.copyOf(offsetOf, n);
            sizeOf = java.util.Arrays.copyOf(sizeOf, n);
        }
        offsetOf[token] = offset;
        sizeOf[token] = size;
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close() {
        channel.close();
    }

    // ---- channel ----

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (!handshaker.isHandshakeComplete()) {
                finishHandshake(c, (FullHttpResponse) msg);
            } else if (msg instanceof WebSocketFrame frame) {
                onFrame(c, frame);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void finishHandshake(ChannelHandlerContext c, FullHttpResponse response) {
        try {
            handshaker.finishHandshake(c.channel(), response);
        } catch (RuntimeException e) {
            // Not 101, or a bad accept key: say what the server answered.
            ctx.connectFailed(new IOException("WebSocket upgrade refused: " + response.status()
                    + " (" + e.getMessage() + ")", e));
            c.close();
            return;
        }
        c.pipeline().addBefore(WsWorkload.LOAD_HANDLER, WsWorkload.WS_AGGREGATOR,
                new WebSocketFrameAggregator(workload.maxMessageBytes));
        if (workload.mode == WsWorkload.Mode.ECHO) {
            ready = true;
            ctx.connected(this);
        }
        // switchboard mode: ready once the welcome names the session
    }

    private void onFrame(ChannelHandlerContext c, WebSocketFrame frame) {
        ctx.bytesReceived(frameBytes(frame.content().readableBytes(), false));
        if (frame instanceof PingWebSocketFrame) {
            c.writeAndFlush(new PongWebSocketFrame(frame.content().retain()), c.voidPromise());
            return;
        }
        if (frame instanceof PongWebSocketFrame) {
            return;
        }
        if (frame instanceof CloseWebSocketFrame close) {
            String why = "server closed the WebSocket: " + close.statusCode()
                    + (close.reasonText().isEmpty() ? "" : " " + close.reasonText());
            if (ready) {
                if (!inFlight.isEmpty()) {
                    ctx.connectionError(ErrorKind.RESET, why);
                }
            } else {
                ctx.connectFailed(new IOException(why));
            }
            c.close();
            return;
        }
        if (!ready) {
            onWelcome(c, frame);
            return;
        }
        if (inFlight.isEmpty()) {
            ctx.connectionError(ErrorKind.PROTOCOL_ERROR, "a message nothing asked for: " + describe(frame)
                    + (workload.mode == WsWorkload.Mode.ECHO
                            ? " (an echo server sends nothing unasked; for Switchboard's /ws use ws_mode=switchboard)"
                            : ""));
            return;
        }
        int token = inFlight.poll();
        if (workload.mode == WsWorkload.Mode.ECHO) {
            checkEcho(token, frame);
        } else {
            checkEvent(token, frame);
        }
    }

    private void checkEcho(int token, WebSocketFrame frame) {
        boolean typeOk = workload.binary ? frame instanceof BinaryWebSocketFrame : frame instanceof TextWebSocketFrame;
        ByteBuf expected = workload.binary ? ctx.payloads().bytes() : workload.textBytes;
        ByteBuf got = frame.content();
        int size = sizeOf[token];
        if (!typeOk) {
            ctx.failed(token, ErrorKind.WRONG_ECHO, "a " + (workload.binary ? "binary" : "text")
                    + " message came back as " + describe(frame));
        } else if (got.readableBytes() != size || !ByteBufUtil.equals(got, got.readerIndex(), expected,
                expected.readerIndex() + offsetOf[token], size)) {
            ctx.failed(token, ErrorKind.WRONG_ECHO, "a message of " + size + " bytes came back as "
                    + got.readableBytes() + " other bytes");
        } else {
            ctx.completed(token);
        }
    }

    /** Switchboard mode: the answer is the event with our data, or an error for this request. */
    private void checkEvent(int token, WebSocketFrame frame) {
        if (!(frame instanceof TextWebSocketFrame)) {
            ctx.connectionError(ErrorKind.PROTOCOL_ERROR, "the bridge sent " + describe(frame));
            return;
        }
        String type = null;
        boolean dataMatches = false;
        String dataProblem = "no data";
        String message = null;
        String code = null;
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(frame.content()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "type" -> type = p.getValueAsString();
                    case "data" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            dataMatches = sameAscii(p, token);
                            dataProblem = dataMatches ? null : "data differs from what was sent";
                        }
                    }
                    case "encoding" -> dataProblem = "data came back as " + p.getValueAsString();
                    case "message" -> message = p.getValueAsString();
                    case "code" -> code = p.getValueAsString();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            ctx.connectionError(ErrorKind.PROTOCOL_ERROR, "the bridge sent a message that is not JSON: " + e.getMessage());
            return;
        }
        if ("event".equals(type)) {
            if (dataMatches && dataProblem == null) {
                ctx.completed(token);
            } else {
                ctx.failed(token, ErrorKind.WRONG_ECHO, dataProblem);
            }
        } else if ("error".equals(type)) {
            ctx.failed(token, ErrorKind.PROTOCOL_ERROR, "the bridge refused a send: " + message + " (code " + code + ")");
        } else {
            ctx.connectionError(ErrorKind.PROTOCOL_ERROR, "the bridge sent a message of type " + type
                    + " where an event was expected");
        }
    }

    private boolean sameAscii(JsonParser p, int token) throws IOException {
        int size = sizeOf[token];
        if (p.getTextLength() != size) {
            return false;
        }
        char[] chars = p.getTextCharacters();
        int at = p.getTextOffset();
        ByteBuf expected = workload.textBytes;
        int from = expected.readerIndex() + offsetOf[token];
        for (int i = 0; i < size; i++) {
            if (chars[at + i] != (char) expected.getByte(from + i)) {
                return false;
            }
        }
        return true;
    }

    /** Switchboard mode: the first message names the session; build the request prefix from it. */
    private void onWelcome(ChannelHandlerContext c, WebSocketFrame frame) {
        String session = null;
        String type = null;
        if (frame instanceof TextWebSocketFrame) {
            try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(frame.content()))) {
                if (p.nextToken() == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String field = p.currentName();
                        p.nextToken();
                        if (field.equals("type")) {
                            type = p.getValueAsString();
                        } else if (field.equals("session")) {
                            session = p.getValueAsString();
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            } catch (IOException e) {
                type = null;
            }
        }
        if (!"welcome".equals(type) || session == null || !session.chars().allMatch(Character::isDigit)
                || session.isEmpty()) {
            ctx.connectFailed(new IOException("expected the bridge's welcome with a session id, got "
                    + describe(frame) + " (is the target Switchboard's /ws? Otherwise use ws_mode=echo)"));
            c.close();
            return;
        }
        byte[] head = ("{\"type\":\"send\",\"session\":\"" + session + "\",\"event\":\"" + WsWorkload.EVENT
                + "\",\"data\":\"").getBytes(StandardCharsets.US_ASCII);
        prefix = Unpooled.wrappedBuffer(head).asReadOnly();
        ready = true;
        ctx.connected(this);
    }

    private static String describe(WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame text) {
            String s = text.text();
            return "text " + (s.length() > 120 ? s.substring(0, 120) + "..." : s);
        }
        return frame.getClass().getSimpleName() + " of " + frame.content().readableBytes() + " bytes";
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        if (ready) {
            ctx.readComplete();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (ready) {
            ctx.connectionError(ErrorKind.PROTOCOL_ERROR, cause.toString());
        } else {
            ctx.connectFailed(cause);
        }
        c.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        ctx.closed(null);
    }
}
