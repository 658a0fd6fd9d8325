package io.switchboard.client.load;

import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.Transport;
import io.switchboard.common.transport.TransportChoice;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one stage of a load run needs to know, checked when built. The command line and a
 * scenario file's stages both produce these; the engine runs one per stage.
 *
 * @param name         stage name ("main" for a run without a scenario)
 * @param protocol     the workload
 * @param target       {@code host:port} (raw, framed, udp, fanout, connscale) or a URL (http, ws)
 * @param connections  connections to open (at least 1)
 * @param pipeline     requests in flight per connection (at least 1)
 * @param threads      I/O event loops; 0 = one per available core, at most one per connection
 * @param rate         target requests/s over all connections; 0 = closed loop (as fast as
 *                     responses allow)
 * @param rateFrom     in open loop, the rate at the start of the stage, ramped linearly to
 *                     {@code rate} over {@code rateRamp}; negative = no ramp (constant rate)
 * @param rateRamp     how long the rate ramp takes; zero with {@code rateFrom >= 0} means over
 *                     the whole stage
 * @param arrivals     constant or Poisson spacing of open-loop requests
 * @param seed         seed for Poisson arrivals, payload bytes and payload sizes
 * @param duration     measured length of the stage (after warm-up); null when only
 *                     {@code requests} bounds it
 * @param requests     measured requests to send, 0 = bounded by {@code duration} only
 * @param warmup       time at the start whose requests are not counted
 * @param rampUp       connections are opened evenly over this time (zero = all at once)
 * @param payload      request payload
 * @param timeout      a request without a response this long is a {@code TIMEOUT} error;
 *                     also the connect timeout
 * @param transport    I/O transport
 * @param epollMode    epoll trigger mode, or null for {@link #DEFAULT_EPOLL_MODE}
 * @param sources      local addresses connections are spread over (round robin); empty = the
 *                     system's choice
 * @param method       HTTP method (GET or POST; POST carries the payload)
 * @param headers      extra HTTP request headers, {@code Name: value}
 * @param mode         framed: {@code echo}, {@code ping} or {@code publish}
 * @param token        framed: auth token for HELLO
 * @param room         framed publish: the room
 * @param tls          connect with TLS (also implied by an {@code https://} or {@code wss://}
 *                     target; see {@link #tlsEnabled()}); not with udp
 * @param tlsInsecure  with TLS: trust any certificate and skip the name check (tests)
 * @param tlsCa        with TLS: trust the PEM CA certificates in this file instead of the
 *                     system's trust store; null for the system's
 * @param tlsServerName with TLS: the name sent as SNI and checked against the certificate;
 *                     null for the target's host
 * @param options      workload-specific settings ({@code key=value}) for workloads whose knobs
 *                     are not above, e.g. fan-out subscribers or connscale hold time
 * @param minAchieved  open loop: the least achieved rate, in percent of the target, that passes
 *                     the stage's default check {@code achieved >= N%}; 0 = no default check
 */
public record LoadSettings(
        String name,
        Protocol protocol,
        String target,
        int connections,
        int pipeline,
        int threads,
        double rate,
        double rateFrom,
        Duration rateRamp,
        Arrivals arrivals,
        long seed,
        Duration duration,
        long requests,
        Duration warmup,
        Duration rampUp,
        PayloadSpec payload,
        Duration timeout,
        TransportChoice transport,
        EpollMode epollMode,
        List<InetAddress> sources,
        String method,
        List<String> headers,
        String mode,
        String token,
        String room,
        boolean tls,
        boolean tlsInsecure,
        Path tlsCa,
        String tlsServerName,
        Map<String, String> options,
        double minAchieved) {

    /** The default of {@link #minAchieved()}: an open-loop stage below 90% of its target rate fails. */
    public static final double DEFAULT_MIN_ACHIEVED = 90;

    /**
     * The epoll mode when none is asked for: level-triggered. Netty reads an edge-triggered
     * socket until {@code EAGAIN}, so every small response would cost a second {@code recv};
     * level-triggered reads once and lets epoll report what is left.
     */
    public static final EpollMode DEFAULT_EPOLL_MODE = EpollMode.LEVEL;

    public LoadSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(arrivals, "arrivals");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(room, "room");
        check(!target.isBlank(), "target", target, "host:port or a URL");
        check(connections >= 1, "connections", connections, "1 or more");
        check(pipeline >= 1 && pipeline <= 65_536, "pipeline", pipeline, "1 to 65536");
        check(threads >= 0 && threads <= 1024, "threads", threads, "0 (one per core) to 1024");
        check(rate >= 0 && Double.isFinite(rate), "rate", rate, "0 (closed loop) or a positive rate");
        check(rateFrom < 0 || Double.isFinite(rateFrom), "rate-from", rateFrom, "a finite rate");
        check(rateFrom < 0 || rate > 0, "rate-from", rateFrom, "only with an open-loop --rate");
        rateRamp = rateRamp == null ? Duration.ZERO : rateRamp;
        check(!rateRamp.isNegative(), "rate-ramp", rateRamp, "0 or more");
        check(duration != null || requests > 0, "duration", duration, "a duration or a request count");
        check(duration == null || (!duration.isNegative() && !duration.isZero()), "duration", duration, "more than 0");
        check(requests >= 0, "requests", requests, "0 (unbounded) or more");
        warmup = warmup == null ? Duration.ZERO : warmup;
        rampUp = rampUp == null ? Duration.ZERO : rampUp;
        check(!warmup.isNegative(), "warmup", warmup, "0 or more");
        check(!rampUp.isNegative(), "ramp-up", rampUp, "0 or more");
        check(timeout != null && !timeout.isNegative() && !timeout.isZero(), "timeout", timeout, "more than 0");
        check(method.equals("GET") || method.equals("POST"), "method", method, "GET or POST");
        sources = List.copyOf(sources == null ? List.of() : sources);
        headers = List.copyOf(headers == null ? List.of() : headers);
        for (String h : headers) {
            int colon = h.indexOf(':');
            check(colon > 0 && h.indexOf('\r') < 0 && h.indexOf('\n') < 0, "header", h, "Name: value on one line");
        }
        boolean tlsOn = tls || impliesTls(protocol, target);
        check(!tlsOn || protocol != Protocol.UDP, "tls", true, "false with protocol udp: udp has no TLS (DTLS is not supported)");
        check(tlsOn || !tlsInsecure, "insecure", true, "only with tls or an https:// or wss:// target");
        check(tlsOn || tlsCa == null, "ca", tlsCa, "only with tls or an https:// or wss:// target");
        check(tlsOn || tlsServerName == null, "tls-server-name", tlsServerName, "only with tls or an https:// or wss:// target");
        check(!(tlsInsecure && tlsCa != null), "insecure", true, "not with a CA file: insecure trusts any certificate");
        check(tlsServerName == null || tlsServerName.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"),
                "tls-server-name", tlsServerName, "a host name");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options == null ? Map.of() : options));
        check(epollMode == null || transport.forced() == null
                        || transport.forced() == Transport.EPOLL,
                "epoll-mode", epollMode == null ? null : epollMode.id(),
                "only with transport epoll or auto (the transport is " + transport.id() + ")");
        check(minAchieved >= 0 && minAchieved <= 100, "min-achieved", minAchieved, "0% (no check) to 100%");
    }

    /**
     * Whether the target's URL scheme asks for TLS: {@code https://} for http, {@code wss://} (or
     * {@code https://}, which ws accepts as it accepts {@code http://}) for ws.
     */
    public static boolean impliesTls(Protocol protocol, String target) {
        String t = target.trim().toLowerCase(java.util.Locale.ROOT);
        return (protocol == Protocol.HTTP || protocol == Protocol.WS || protocol == Protocol.SOCKETIO)
                && t.startsWith("https://")
                || protocol == Protocol.WS && t.startsWith("wss://");
    }

    /** Whether each connection's open is the stage's measured request: {@code connscale}, or socketio's. */
    public boolean connectionScale() {
        return protocol == Protocol.CONNSCALE
                || protocol == Protocol.SOCKETIO && "connscale".equalsIgnoreCase(options.get("workload"));
    }

    /** Whether requests are publishes measured per delivery: {@code fanout}, or socketio's. */
    public boolean fanOut() {
        return protocol == Protocol.FANOUT
                || protocol == Protocol.SOCKETIO && "fanout".equalsIgnoreCase(options.get("workload"));
    }

    /** Whether connections use TLS: {@link #tls()} or a target URL that implies it. */
    public boolean tlsEnabled() {
        return tls || impliesTls(protocol, target);
    }

    private static void check(boolean ok, String name, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
        }
    }

    /** Whether requests are scheduled at a target rate (open loop). */
    public boolean openLoop() {
        return rate > 0;
    }

    /** A builder with the command line's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The settings as a user would write them, in a stable order, for reports
     * ({@link io.switchboard.client.load.result.StageResult#settings()}).
     */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("protocol", protocol.id());
        m.put("target", target);
        m.put("connections", connections);
        m.put("pipeline", pipeline);
        m.put("threads", threads);
        m.put("rate", rate);
        if (rateFrom >= 0) {
            m.put("rate_from", rateFrom);
            m.put("rate_ramp", Values.format(rateRamp));
        }
        if (rate > 0) {
            m.put("arrivals", arrivals.id());
        }
        m.put("seed", seed);
        m.put("duration", duration == null ? "" : Values.format(duration));
        m.put("requests", requests);
        m.put("warmup", Values.format(warmup));
        m.put("ramp_up", Values.format(rampUp));
        m.put("payload", payload.toString());
        m.put("timeout", Values.format(timeout));
        m.put("transport", transport.id() + (epollMode == null ? "" : " (" + epollMode.id() + ")"));
        if (!sources.isEmpty()) {
            m.put("sources", sources.stream().map(InetAddress::getHostAddress).toList().toString());
        }
        if (protocol == Protocol.HTTP) {
            m.put("method", method);
            if (!headers.isEmpty()) {
                m.put("headers", String.join("; ", headers));
            }
        }
        if (protocol == Protocol.FRAMED) {
            m.put("mode", mode);
            if (mode.equals("publish")) {
                m.put("room", room);
            }
        }
        m.put("tls", tlsEnabled());
        if (tlsEnabled()) {
            m.put("tls_trust", tlsInsecure ? "insecure" : tlsCa != null ? "ca " + tlsCa : "system");
            if (tlsServerName != null) {
                m.put("tls_server_name", tlsServerName);
            }
        }
        if (rate > 0) {
            m.put("min_achieved", minAchieved == 0 ? "off" : Values.percent(minAchieved));
        }
        // an option named like a setting (socketio's transport) is shown as options.NAME beside it
        options.forEach((k, v) -> m.put(m.containsKey(k) ? "options." + k : k, v));
        return Collections.unmodifiableMap(m);
    }

    /** Mutable builder; {@link #build()} checks every value. */
    public static final class Builder {
        private String name = "main";
        private Protocol protocol = Protocol.RAW;
        private String target = "";
        private int connections = 50;
        private int pipeline = 1;
        private int threads;
        private double rate;
        private double rateFrom = -1;
        private Duration rateRamp = Duration.ZERO;
        private Arrivals arrivals = Arrivals.CONSTANT;
        private long seed = 1;
        private Duration duration = Duration.ofSeconds(10);
        private long requests;
        private Duration warmup = Duration.ZERO;
        private Duration rampUp = Duration.ZERO;
        private PayloadSpec payload = PayloadSpec.fixed(64);
        private Duration timeout = Duration.ofSeconds(5);
        private TransportChoice transport = TransportChoice.AUTO;
        private EpollMode epollMode;
        private List<InetAddress> sources = new ArrayList<>();
        private String method = "GET";
        private List<String> headers = new ArrayList<>();
        private String mode = "echo";
        private String token = "";
        private String room = "load";
        private boolean tls;
        private boolean tlsInsecure;
        private Path tlsCa;
        private String tlsServerName;
        private Map<String, String> options = new LinkedHashMap<>();
        private double minAchieved = DEFAULT_MIN_ACHIEVED;

        Builder() {
        }

        Builder(LoadSettings s) {
            name = s.name;
            protocol = s.protocol;
            target = s.target;
            connections = s.connections;
            pipeline = s.pipeline;
            threads = s.threads;
            rate = s.rate;
            rateFrom = s.rateFrom;
            rateRamp = s.rateRamp;
            arrivals = s.arrivals;
            seed = s.seed;
            duration = s.duration;
            requests = s.requests;
            warmup = s.warmup;
            rampUp = s.rampUp;
            payload = s.payload;
            timeout = s.timeout;
            transport = s.transport;
            epollMode = s.epollMode;
            sources = new ArrayList<>(s.sources);
            method = s.method;
            headers = new ArrayList<>(s.headers);
            mode = s.mode;
            token = s.token;
            room = s.room;
            tls = s.tls;
            tlsInsecure = s.tlsInsecure;
            tlsCa = s.tlsCa;
            tlsServerName = s.tlsServerName;
            options = new LinkedHashMap<>(s.options);
            minAchieved = s.minAchieved;
        }

        public Builder name(String v) { name = v; return this; }
        public Builder protocol(Protocol v) { protocol = v; return this; }
        public Builder target(String v) { target = v; return this; }
        public Builder connections(int v) { connections = v; return this; }
        public Builder pipeline(int v) { pipeline = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder rate(double v) { rate = v; return this; }
        public Builder rateFrom(double v) { rateFrom = v; return this; }
        public Builder rateRamp(Duration v) { rateRamp = v; return this; }
        public Builder arrivals(Arrivals v) { arrivals = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** Null for a run bounded by {@link #requests(long)} only. */
        public Builder duration(Duration v) { duration = v; return this; }
        public Builder requests(long v) { requests = v; return this; }
        public Builder warmup(Duration v) { warmup = v; return this; }
        public Builder rampUp(Duration v) { rampUp = v; return this; }
        public Builder payload(PayloadSpec v) { payload = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }
        public Builder transport(TransportChoice v) { transport = v; return this; }
        public Builder epollMode(EpollMode v) { epollMode = v; return this; }
        public Builder sources(List<InetAddress> v) { sources = new ArrayList<>(v); return this; }
        public Builder method(String v) { method = v; return this; }
        public Builder headers(List<String> v) { headers = new ArrayList<>(v); return this; }
        public Builder mode(String v) { mode = v; return this; }
        public Builder token(String v) { token = v; return this; }
        public Builder room(String v) { room = v; return this; }
        public Builder tls(boolean v) { tls = v; return this; }
        public Builder tlsInsecure(boolean v) { tlsInsecure = v; return this; }
        /** Null for the system's trust store. */
        public Builder tlsCa(Path v) { tlsCa = v; return this; }
        /** Null for the target's host. */
        public Builder tlsServerName(String v) { tlsServerName = v; return this; }
        public Builder option(String key, String value) { options.put(key, value); return this; }
        public Builder options(Map<String, String> v) { options = new LinkedHashMap<>(v); return this; }
        /** Percent of the target rate; 0 turns the default check off. */
        public Builder minAchieved(double v) { minAchieved = v; return this; }

        public LoadSettings build() {
            return new LoadSettings(name, protocol, target, connections, pipeline, threads, rate, rateFrom, rateRamp,
                    arrivals, seed, duration, requests, warmup, rampUp, payload, timeout, transport, epollMode,
                    sources, method, headers, mode, token, room, tls, tlsInsecure, tlsCa, tlsServerName, options,
                    minAchieved);
        }
    }
}
