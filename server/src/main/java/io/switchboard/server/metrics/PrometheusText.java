package io.switchboard.server.metrics;

import io.switchboard.common.Version;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.rooms.ClusterStatus;
import io.switchboard.server.rooms.RoomHub;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes the metrics in the Prometheus text exposition format (version 0.0.4): for each metric a
 * {@code # HELP} and {@code # TYPE} line, then its samples.
 */
public final class PrometheusText {
    /** The content type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    private PrometheusText() {
    }

    /** Renders every metric. */
    public static String render(Metrics metrics, RoomHub hub, TransportConfig transport) {
        PrometheusText text = new PrometheusText();
        text.header("switchboard_info", "gauge", "Build and runtime facts; the value is always 1.");
        text.sample("switchboard_info", "version=\"" + escape(Version.get()) + "\",transport=\""
                + transport.transport().id() + "\",epoll_mode=\""
                + (transport.epollMode() == null ? "none" : transport.epollMode().id()) + "\"", 1);

        text.header("switchboard_connections_open", "gauge", "Connections open now, by listener.");
        for (Listener l : Listener.values()) {
            if (l.tcp()) {
                text.sample("switchboard_connections_open", "listener=\"" + l.id() + "\"", metrics.listener(l).open());
            }
        }
        text.header("switchboard_connections_accepted_total", "counter", "Connections accepted, by listener.");
        for (Listener l : Listener.values()) {
            if (l.tcp()) {
                text.sample("switchboard_connections_accepted_total", "listener=\"" + l.id() + "\"",
                        metrics.listener(l).accepted());
            }
        }
        text.header("switchboard_bytes_received_total", "counter", "Bytes received, by listener.");
        for (Listener l : Listener.values()) {
            text.sample("switchboard_bytes_received_total", "listener=\"" + l.id() + "\"",
                    metrics.listener(l).bytesIn.sum());
        }
        text.header("switchboard_bytes_sent_total", "counter", "Bytes sent, by listener.");
        for (Listener l : Listener.values()) {
            text.sample("switchboard_bytes_sent_total", "listener=\"" + l.id() + "\"", metrics.listener(l).bytesOut.sum());
        }
        text.header("switchboard_frames_received_total", "counter", "Framed-protocol frames received, by opcode.");
        for (Opcode opcode : Opcode.values()) {
            if (opcode.clientMaySend()) {
                text.sample("switchboard_frames_received_total", "opcode=\"" + opcode.name() + "\"",
                        metrics.framesIn(opcode));
            }
        }
        text.header("switchboard_errors_total", "counter", "ERROR frames (and WebSocket errors) sent, by code.");
        for (Map.Entry<Integer, LongAdder> e : new TreeMap<>(metrics.errors()).entrySet()) {
            text.sample("switchboard_errors_total", "code=\"" + e.getKey() + "\",name=\""
                    + Metrics.errorName(e.getKey()) + "\"", e.getValue().sum());
        }
        text.header("switchboard_refused_total", "counter",
                "Connections and requests refused by the limits, by listener and cause.");
        for (Map.Entry<Listener, Map<String, LongAdder>> l : metrics.refused().entrySet()) {
            for (Map.Entry<String, LongAdder> e : new TreeMap<>(l.getValue()).entrySet()) {
                text.sample("switchboard_refused_total", "listener=\"" + l.getKey().id() + "\",cause=\""
                        + e.getKey() + "\"", e.getValue().sum());
            }
        }
        text.header("switchboard_rooms", "gauge", "Rooms that exist now.");
        text.sample("switchboard_rooms", null, hub.roomCount());
        text.header("switchboard_room_members", "gauge", "Room memberships now (a session in two rooms counts twice).");
        text.sample("switchboard_room_members", null, hub.membershipCount());
        text.header("switchboard_events_delivered_total", "counter", "Events handed to a recipient's connection (or due to a recipient that ended as they were being handed out).");
        text.sample("switchboard_events_delivered_total", null, hub.delivered());
        text.header("switchboard_events_dropped_total", "counter", "Events dropped for slow consumers.");
        text.sample("switchboard_events_dropped_total", null, hub.dropped());
        text.header("switchboard_http_requests_total", "counter", "HTTP responses sent, by status.");
        for (Map.Entry<Integer, LongAdder> e : new TreeMap<>(metrics.httpRequests()).entrySet()) {
            text.sample("switchboard_http_requests_total", "status=\"" + e.getKey() + "\"", e.getValue().sum());
        }
        text.header("switchboard_udp_datagrams_received_total", "counter", "UDP datagrams received.");
        text.sample("switchboard_udp_datagrams_received_total", null, metrics.datagramsIn());
        text.header("switchboard_udp_datagrams_sent_total", "counter", "UDP datagrams echoed.");
        text.sample("switchboard_udp_datagrams_sent_total", null, metrics.datagramsOut());
        text.header("switchboard_udp_datagrams_dropped_total", "counter", "UDP datagrams dropped (over the size limit).");
        text.sample("switchboard_udp_datagrams_dropped_total", null, metrics.datagramsDropped());
        text.header("switchboard_tls_handshakes_total", "counter",
                "TLS handshakes by listener and result (failed: timeout, not TLS, no common version or cipher, ...).");
        for (Listener l : new Listener[] {Listener.FRAMED, Listener.HTTP}) {
            text.sample("switchboard_tls_handshakes_total", "listener=\"" + l.id() + "\",result=\"ok\"",
                    metrics.listener(l).tlsHandshakes());
            text.sample("switchboard_tls_handshakes_total", "listener=\"" + l.id() + "\",result=\"failed\"",
                    metrics.listener(l).tlsHandshakeFailures());
        }
        if (metrics.tlsCertificateNotAfter() >= 0) {
            text.header("switchboard_tls_certificate_expiry_timestamp_seconds", "gauge",
                    "When the TLS certificate being served expires, in seconds since the epoch.");
            text.sample("switchboard_tls_certificate_expiry_timestamp_seconds", null, metrics.tlsCertificateNotAfter());
        }
        MetricSource.Sink sink = new MetricSource.Sink() {
            @Override
            public void header(String name, String type, String help) {
                text.header(name, type, help);
            }

            @Override
            public void sample(String name, String labels, long value) {
                text.sample(name, labels, value);
            }
        };
        for (MetricSource source : metrics.sources()) {
            source.write(sink);
        }
        return text.out.toString();
    }

    /**
     * The cluster's metrics ({@code switchboard_cluster_*}, docs/cluster.md), for the launcher to
     * {@link Metrics#register} in cluster mode.
     */
    public static MetricSource clusterMetrics(ClusterStatus cluster) {
        return text -> {
            text.header("switchboard_cluster_up", "gauge", "1 while the link to the cluster's Redis is up, else 0.");
            text.sample("switchboard_cluster_up", null, cluster.isUp() ? 1 : 0);
            text.header("switchboard_cluster_nodes", "gauge", "Cluster nodes alive, this one included.");
            text.sample("switchboard_cluster_nodes", null, cluster.nodesAlive());
            text.header("switchboard_cluster_forwarded_total", "counter", "Events and peer acks forwarded to other nodes.");
            text.sample("switchboard_cluster_forwarded_total", null, cluster.forwarded());
            text.header("switchboard_cluster_forward_failed_total", "counter",
                    "Events and peer acks that could not be forwarded to other nodes (link down or lost in a reconnect).");
            text.sample("switchboard_cluster_forward_failed_total", null, cluster.forwardFailed());
            text.header("switchboard_cluster_received_total", "counter", "Messages received from other nodes.");
            text.sample("switchboard_cluster_received_total", null, cluster.received());
        };
    }

    private void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, long value) {
        out.append(name);
        if (labels != null) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
