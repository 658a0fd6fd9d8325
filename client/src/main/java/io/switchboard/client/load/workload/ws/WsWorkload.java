package io.switchboard.client.load.workload.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * WebSocket message load, one request = one message answered by one message, pipelined like raw
 * echo (answers come back in send order). Two modes ({@code --opt ws_mode=...}):
 *
 * <ul>
 *   <li>{@code switchboard} (default): Switchboard's {@code /ws} bridge ({@code docs/websocket.md}).
 *       It has no echo message, so each request is a {@code send} to the session itself, without
 *       an id: the hub delivers it back as one {@code event} carrying the same {@code data}, which
 *       is checked. A refusal comes back as one {@code error} and fails that request.</li>
 *   <li>{@code echo}: any server that echoes frames verbatim; text or binary frames
 *       ({@code --opt ws_frame=text|binary}), each expected back with the same type and bytes.</li>
 * </ul>
 *
 * <p>Frames are masked, as RFC 6455 requires of clients, with a fresh key per frame (Netty's
 * encoder); what can be computed ahead is: the payload bytes (shared, sliced per request, never
 * copied before the masking copy), and per connection the JSON around them.
 */
public final class WsWorkload implements Workload {
    /** How requests and answers look. */
    enum Mode { SWITCHBOARD, ECHO }

    /** Pipeline handler names. */
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    static final String WS_AGGREGATOR = "ws-aggregator";
    static final String LOAD_HANDLER = "ws-load";

    /** Event name used for the bridge's {@code send}. */
    static final String EVENT = "load";
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    final Mode mode;
    final boolean binary;
    final URI uri;
    final HttpHeaders headers;
    final int maxMessageBytes;
    final int pipeline;
    /**
     * Payload bytes for text messages: printable ASCII that needs no JSON escaping (generated),
     * or the file's bytes (echo mode, checked UTF-8). Null for binary echo, which uses the
     * engine's random bytes.
     */
    final ByteBuf textBytes;
    /** The request path with query, sent in the upgrade request. */
    private final String pathOf;
    private final LoadTls tls;

    public WsWorkload(WorkloadSetup setup) throws WorkloadException {
        LoadSettings s = setup.settings();
        Target target = setup.target();
        this.tls = setup.tls();
        String modeText = s.options().getOrDefault("ws_mode", "switchboard").toLowerCase(Locale.ROOT);
        mode = switch (modeText) {
            case "switchboard" -> Mode.SWITCHBOARD;
            case "echo" -> Mode.ECHO;
            default -> throw new WorkloadException("ws_mode: " + modeText + " (expected: switchboard or echo)");
        };
        String frame = s.options().getOrDefault("ws_frame", "text").toLowerCase(Locale.ROOT);
        if (!frame.equals("text") && !frame.equals("binary")) {
            throw new WorkloadException("ws_frame: " + frame + " (expected: text or binary)");
        }
        binary = frame.equals("binary");
        pipeline = s.pipeline();
        if (binary && mode == Mode.SWITCHBOARD) {
            throw new WorkloadException("ws_frame: binary (expected: text with ws_mode=switchboard; the bridge "
                    + "closes binary messages with 1003; use ws_mode=echo for binary frames)");
        }
        if (mode == Mode.SWITCHBOARD && s.payload().file() != null) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: a size or range with "
                    + "ws_mode=switchboard, whose data must survive JSON as is)");
        }
        try {
            uri = new URI(tls != null ? "wss" : "ws", null, target.host(), target.port(), null, null, null);
        } catch (URISyntaxException e) {
            throw new WorkloadException("target: " + target + " is not a valid WebSocket URL", e);
        }
        headers = new DefaultHttpHeaders();
        if (!s.token().isEmpty()) {
            headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + s.token());
        }
        int largest = s.payload().file() != null ? fileSize(s) : s.payload().maxBytes();
        // Room for the largest answer: the bridge's event wraps the data in about 200 bytes of JSON.
        maxMessageBytes = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(65_536L, largest + 4096L));
        if (binary) {
            textBytes = null;
        } else if (s.payload().file() != null) {
            textBytes = utf8File(s);
        } else {
            textBytes = ascii(s.payload().maxBytes() + PayloadSource.OFFSETS,
                    s.seed());
        }
        pathOf = target.path().isEmpty() ? "/ws" : target.path();
    }

    private static int fileSize(LoadSettings s) throws WorkloadException {
        try {
            return (int) Math.min(Integer.MAX_VALUE, Files.size(s.payload().file()));
        } catch (IOException e) {
            throw new WorkloadException("payload: cannot read " + s.payload().file() + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuf utf8File(LoadSettings s) throws WorkloadException {
        byte[] content;
        try {
            content = Files.readAllBytes(s.payload().file());
        } catch (IOException e) {
            throw new WorkloadException("payload: cannot read " + s.payload().file() + ": " + e.getMessage(), e);
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content));
        } catch (CharacterCodingException e) {
            throw new WorkloadException("payload: " + s.payload().file() + " is not UTF-8 text (expected with "
                    + "ws_frame=text; use ws_frame=binary for other bytes)");
        }
        return Unpooled.wrappedBuffer(content).asReadOnly();
    }

    /** Seeded printable ASCII that JSON carries without escapes. */
    static ByteBuf ascii(int length, long seed) {
        byte[] bytes = new byte[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return Unpooled.wrappedBuffer(bytes).asReadOnly();
    }

    @Override
    public void open(ConnectionContext ctx) {
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uriWithPath(), WebSocketVersion.V13, null, false, headers, maxMessageBytes,
                true /* mask, as clients must */, false, -1);
        WsConnection connection = new WsConnection(this, ctx, handshaker);
        ctx.socketBootstrap()
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(HTTP_CODEC, new HttpClientCodec())
                                .addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(16_384))
                                .addLast(LOAD_HANDLER, connection);
                        if (tls != null) {
                            tls.addFirst(ch.pipeline(), ctx);
                        }
                    }
                })
                .connect(uri.getHost(), uri.getPort())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        ctx.connectFailed(f.cause());
                    }
                });
    }

    private URI uriWithPath() {
        return URI.create(uri + pathOf);
    }

    @Override
    public void close() {
        // textBytes is an unpooled heap buffer: the garbage collector frees it with the workload.
    }
}
