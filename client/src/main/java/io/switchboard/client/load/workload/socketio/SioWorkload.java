package io.switchboard.client.load.workload.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.client.load.workload.fanout.FanoutLedger;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Socket.IO v5 over Engine.IO v4 against any Socket.IO 3/4 server: the client side is written
 * here on Netty ({@link SioWire}, {@link SioConnection}), over a WebSocket (default) or HTTP
 * long-polling ({@code transport=polling}). The target is {@code http://host:port[/namespace]}
 * ({@code https://} for TLS); its query goes into the handshake. Every connection answers the
 * server's pings ({@code 2} with {@code 3}) and closes itself, with an error, when the server's
 * pings stop for {@code pingInterval + pingTimeout} (from the open packet).
 *
 * <p>Workloads ({@code workload=...}):
 * <ul>
 *   <li>{@code echo} (default): each request emits {@code event} (default {@code echo}) with the
 *       {@code args} (a JSON array, default none) and then the payload as a string, asking for an
 *       acknowledgement; the ack completes it. An ack carrying the payload back as its first
 *       argument, or the relay's success {@code [null, ...]}, is good; one whose first argument is
 *       an object with a {@code code} or {@code message} fails the request with it (a relay
 *       refusal); anything else is a {@code wrong_echo}. Against Switchboard without application
 *       code: {@code event=sb:publish}, {@code args=["nobody","load"]} (a publish to an empty room,
 *       acknowledged {@code [null]}).</li>
 *   <li>{@code emit}: fire-and-forget EVENTs, no ack asked; a request completes when its bytes
 *       are written to the socket (latency from the intended send time to then). Use it open
 *       loop, with {@code rate}.</li>
 *   <li>{@code fanout}: connections {@code 0 .. S-1} are subscribers, joining room
 *       {@code ROOM/(index mod rooms)} with {@code join_event} (default {@code sb:join}, args
 *       {@code [room]}, acknowledged); the rest are publishers, which start once every subscriber
 *       has joined and emit {@code publish_event} with an ack: {@code sb:publish} (the default,
 *       Switchboard's relay) gets {@code [room, event, payload]}, any other name
 *       {@code [room, payload]}, for an application that emits {@code event} with the payload to
 *       the room's other members. Latency is per delivery, from the publish's intended send time
 *       (carried in the payload); missing, duplicated and out-of-order deliveries are counted per
 *       publisher as in the framed fanout.</li>
 *   <li>{@code connscale}: connections opened (CONNECT done) and held, answering heartbeats; the
 *       measured request of each is its open, as in the {@code connscale} protocol.</li>
 * </ul>
 *
 * <p>Options: {@code workload}, {@code transport} ({@code websocket} or {@code polling}),
 * {@code path} (default {@code /socket.io/}), {@code auth} (a JSON object for the CONNECT;
 * default {@code {"token": TOKEN}} when {@code token} is set, else none), {@code query}
 * ({@code a=1&b=2}, added to the handshake's), {@code event}, {@code args}, {@code join_event},
 * {@code publish_event}, {@code subscribers}, {@code rooms}, {@code publishers}, {@code drain}.
 * Headers ({@code -H}) go on every HTTP request, the WebSocket upgrade included.
 *
 * <p>Counters: {@code pings_answered}; fanout: {@code publishes}, {@code publishes_accepted},
 * {@code deliveries}, {@code expected_deliveries}, {@code missing}, {@code duplicate_deliveries},
 * {@code out_of_order}, {@code corrupt_deliveries}; connscale: {@code opened},
 * {@code closed_early}, {@code survived}.
 *
 * <p>Fan-out payload: a string of {@link #HEADER_CHARS} hex digits, then filler:
 * <pre>
 *  0        8    12   16               32               48               64       72
 * +--------+----+----+----------------+----------------+----------------+--------+----------
 * |  run   |pub |room|    sequence    | intended nanos |   sent nanos   | offset | filler ...
 * +--------+----+----+----------------+----------------+----------------+--------+----------
 * </pre>
 */
public final class SioWorkload implements Workload {
    /** The fan-out payload's header, in characters. */
    public static final int HEADER_CHARS = 72;

    /** What the connections do. */
    enum Mode { ECHO, EMIT, FANOUT, CONNSCALE }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    final Mode mode;
    final boolean polling;
    final String host;
    final int port;
    final String hostHeader;
    /** {@code /socket.io/?EIO=4&...&transport=}: append {@code websocket} or {@code polling}. */
    final String handshakePath;
    /** The namespace as it prefixes packets ({@code /chat,}), empty for {@code /}. */
    final byte[] nsPrefix;
    /** The namespace bytes without the comma, empty for {@code /}. */
    final byte[] namespace;
    final String namespaceName;
    /** The CONNECT packet's JSON, or empty. */
    final String auth;
    final HttpHeaders headers;
    final LoadTls tls;
    final int pipeline;
    /** How long a connection may take from TCP connect to the CONNECT's answer. */
    final long handshakeTimeoutNanos;
    /** Printable ASCII payload characters, no JSON escapes: sliced per request. */
    final ByteBuf payloadChars;
    private final int maxPayloadChars;

    /** echo and emit: {@code ["event",args...,"}; fanout: the publish's fixed start. */
    final byte[] eventHead;
    /** The event name subscribers receive, as {@code ["event","} (fast path of the delivery). */
    final byte[] deliveryHead;
    final String deliveredEvent;
    /** Fan-out publishes go through Switchboard's {@code sb:publish} (args room, event, payload). */
    final boolean relayPublish;
    final String joinEvent;

    /** fanout: subscribers, publishers, rooms and what was accepted and received (as the framed fan-out's). */
    final FanoutLedger ledger;

    final LongAdder pingsAnswered;
    final LongAdder opened;
    final LongAdder closedEarly;
    final LongAdder survived;
    private final LongAdder openRate;
    private final AtomicLong firstOpenNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastOpenNanos = new AtomicLong(Long.MIN_VALUE);

    public SioWorkload(WorkloadSetup setup) throws WorkloadException {
        LoadSettings s = setup.settings();
        Target target = setup.target();
        tls = setup.tls();
        pipeline = s.pipeline();
        handshakeTimeoutNanos = s.timeout().toNanos();
        String m = s.options().getOrDefault("workload", "echo").toLowerCase(Locale.ROOT);
        mode = switch (m) {
            case "echo" -> Mode.ECHO;
            case "emit" -> Mode.EMIT;
            case "fanout" -> Mode.FANOUT;
            case "connscale" -> Mode.CONNSCALE;
            default -> throw new WorkloadException("workload: " + m + " (expected: echo, emit, fanout or connscale)");
        };
        String t = s.options().getOrDefault("transport", "websocket").toLowerCase(Locale.ROOT);
        if (!t.equals("websocket") && !t.equals("polling")) {
            throw new WorkloadException("transport: " + t + " (expected: websocket or polling)");
        }
        polling = t.equals("polling");
        host = target.host();
        port = target.port();
        hostHeader = target.hostHeader();

        String pathAndQuery = target.path();
        int q = pathAndQuery.indexOf('?');
        String ns = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String urlQuery = q < 0 ? "" : pathAndQuery.substring(q + 1);
        if (ns.isEmpty()) {
            ns = "/";
        }
        if (ns.length() > 1 && ns.endsWith("/")) {
            ns = ns.substring(0, ns.length() - 1);
        }
        if (ns.length() > SioWire.MAX_NAMESPACE || ns.contains(",")) {
            throw new WorkloadException("target: namespace " + ns + " (expected: at most " + SioWire.MAX_NAMESPACE
                    + " characters, no comma)");
        }
        namespaceName = ns;
        namespace = ns.equals("/") ? new byte[0] : SioWire.ascii(ns);
        nsPrefix = ns.equals("/") ? new byte[0] : SioWire.ascii(ns + ",");
        String path = s.options().getOrDefault("path", "/socket.io/");
        if (!path.startsWith("/")) {
            throw new WorkloadException("path: " + path + " (expected: a path starting with /, such as /socket.io/)");
        }
        String query = s.options().getOrDefault("query", "");
        StringBuilder hp = new StringBuilder(path).append("?EIO=4");
        for (String extra : new String[] {urlQuery, query}) {
            if (!extra.isEmpty()) {
                hp.append('&').append(extra.startsWith("&") ? extra.substring(1) : extra);
            }
        }
        handshakePath = hp.append("&transport=").toString();

        String authText = s.options().get("auth");
        if (authText != null) {
            JsonNode node = parseJson("auth", authText);
            if (!node.isObject()) {
                throw new WorkloadException("auth: " + authText + " (expected: a JSON object such as {\"token\":\"...\"})");
            }
            auth = node.toString();
        } else {
            auth = s.token().isEmpty() ? "" : "{\"token\":" + SioWire.jsonString(s.token()) + "}";
        }
        headers = new DefaultHttpHeaders();
        for (String h : s.headers()) {
            int colon = h.indexOf(':');
            headers.add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }

        String event = s.options().getOrDefault("event", mode == Mode.FANOUT ? "load" : "echo");
        deliveredEvent = event;
        StringBuilder args = new StringBuilder();
        String argsText = s.options().get("args");
        if (argsText != null) {
            JsonNode node = parseJson("args", argsText);
            if (!node.isArray()) {
                throw new WorkloadException("args: " + argsText + " (expected: a JSON array, such as [\"room\",\"event\"])");
            }
            for (JsonNode a : node) {
                args.append(a.toString()).append(',');
            }
        }
        joinEvent = s.options().getOrDefault("join_event", "sb:join");
        String publishEvent = s.options().getOrDefault("publish_event", "sb:publish");
        relayPublish = publishEvent.equals("sb:publish");
        if (mode == Mode.FANOUT) {
            eventHead = SioWire.ascii("[" + SioWire.jsonString(publishEvent) + ",");
        } else {
            eventHead = SioWire.ascii("[" + SioWire.jsonString(event) + "," + args + "\"");
        }
        deliveryHead = SioWire.ascii("[" + SioWire.jsonString(event) + ",\"");

        if (s.payload().file() != null) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: a size or range for socketio; "
                    + "the payload is sent as a JSON string of generated characters)");
        }
        maxPayloadChars = s.payload().maxBytes();
        payloadChars = ascii(s.payload().maxBytes() + io.switchboard.client.load.workload.PayloadSource.OFFSETS, s.seed());

        pingsAnswered = setup.counters().counter("pings_answered");
        ledger = mode == Mode.FANOUT ? FanoutLedger.of(s, setup.counters(), "workload fanout", HEADER_CHARS)
                : FanoutLedger.none(s);
        if (mode == Mode.CONNSCALE) {
            opened = setup.counters().counter("opened");
            closedEarly = setup.counters().counter("closed_early");
            survived = setup.counters().counter("survived");
            openRate = setup.counters().counter("open_rate");
        } else {
            opened = closedEarly = survived = openRate = new LongAdder();
        }
    }

    private static JsonNode parseJson(String key, String text) throws WorkloadException {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new WorkloadException(key + ": " + text + " (expected: JSON; " + e.getOriginalMessage() + ")");
        }
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
        SioConnection connection = new SioConnection(this, ctx);
        if (polling) {
            PollingTransport.open(this, ctx, connection);
        } else {
            WsTransport.open(this, ctx, connection);
        }
    }

    @Override
    public boolean sends(int index) {
        return switch (mode) {
            case FANOUT -> index >= ledger.subscribers;
            case CONNSCALE -> true; // the engine's "request" is the open itself
            default -> true;
        };
    }

    /** The longest packet a request can make: payload, the event's fixed parts, id, namespace, room. */
    long largestPacketBytes() {
        int room = 0;
        for (String r : ledger.roomNames) {
            room = Math.max(room, SioWire.jsonString(r).length() + deliveredEvent.length() + 8);
        }
        return (long) maxPayloadChars + eventHead.length + nsPrefix.length + room + 16;
    }

    void onOpened() {
        opened.increment();
        long now = System.nanoTime();
        firstOpenNanos.accumulateAndGet(now, Math::min);
        lastOpenNanos.accumulateAndGet(now, Math::max);
    }

    @Override
    public Duration drain() {
        return ledger.drain;
    }

    @Override
    public void finish() {
        if (mode == Mode.CONNSCALE) {
            long first = firstOpenNanos.get();
            long last = lastOpenNanos.get();
            long n = opened.sum();
            if (n > 1 && last > first) {
                openRate.add(Math.round((n - 1) * 1e9 / (last - first)));
            }
        }
        if (mode == Mode.FANOUT) {
            ledger.finish();
        }
    }
}
