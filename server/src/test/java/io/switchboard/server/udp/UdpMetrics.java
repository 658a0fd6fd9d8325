package io.switchboard.server.udp;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.server.rooms.RoomHub;

/** Reads single samples back from {@link Metrics} through its public rendering. */
final class UdpMetrics {
    private UdpMetrics() {
    }

    /** The value of an unlabelled sample, or of {@code name{labels}} when labels is given. */
    static long sample(Metrics metrics, String name, String labels) {
        String text = PrometheusText.render(metrics, new RoomHub(UnpooledByteBufAllocator.DEFAULT),
                TransportConfig.resolve(TransportChoice.NIO, null));
        String prefix = labels == null ? name + " " : name + "{" + labels + "} ";
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()).trim());
            }
        }
        throw new AssertionError("no sample " + prefix.trim() + " in\n" + text);
    }

    static long in(Metrics metrics) {
        return sample(metrics, "switchboard_udp_datagrams_received_total", null);
    }

    static long out(Metrics metrics) {
        return sample(metrics, "switchboard_udp_datagrams_sent_total", null);
    }

    static long dropped(Metrics metrics) {
        return sample(metrics, "switchboard_udp_datagrams_dropped_total", null);
    }

    static long bytesIn(Metrics metrics) {
        return sample(metrics, "switchboard_bytes_received_total", "listener=\"udp\"");
    }

    static long bytesOut(Metrics metrics) {
        return sample(metrics, "switchboard_bytes_sent_total", "listener=\"udp\"");
    }
}
