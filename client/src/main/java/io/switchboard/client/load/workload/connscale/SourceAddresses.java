package io.switchboard.client.load.workload.connscale;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which local address each of N connections to one server binds, so that N can exceed the
 * ephemeral ports of one source address.
 *
 * <p>A TCP connection is told apart by its four-tuple, so one source address reaches one
 * destination from at most as many connections as the ephemeral port range holds
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}, 28,232 by default on Linux). Beyond that,
 * connections to a loopback server come from 127.0.0.2, 127.0.0.3, ...: the whole of 127/8 is
 * loopback on Linux and needs no setup. The first block of connections binds nothing (the kernel
 * picks 127.0.0.1 and a port as usual); later blocks bind the next address with port 0.
 *
 * <p>Immutable.
 */
public final class SourceAddresses {
    /** Linux's default ephemeral range, 32768-60999, used when /proc cannot be read. */
    static final int DEFAULT_PORTS = 60_999 - 32_768 + 1;
    /** Ports of each address left for everything else on the machine (other clients, listeners). */
    static final int RESERVE = 512;

    private final int perAddress;
    private final List<InetAddress> extra;

    private SourceAddresses(int perAddress, List<InetAddress> extra) {
        this.perAddress = perAddress;
        this.extra = List.copyOf(extra);
    }

    /**
     * Plans {@code connections} connections to {@code server}.
     *
     * @param portsPerAddress connections per source address, or 0 to derive it from the ephemeral
     *                        port range (less a reserve of {@value #RESERVE})
     * @throws IllegalArgumentException when more than one source address is needed and the server
     *     is not an IPv4 loopback address (127.0.0.1 has 127/8 beside it; ::1 and other hosts do
     *     not), or when even 127.255.255.254 would not be enough
     */
    public static SourceAddresses plan(int connections, InetAddress server, int portsPerAddress) {
        if (connections < 0) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: 0 or more)");
        }
        if (portsPerAddress < 0) {
            throw new IllegalArgumentException("ports-per-address: " + portsPerAddress + " (expected: 0 or more)");
        }
        int per = portsPerAddress > 0 ? portsPerAddress : Math.max(1, ephemeralPorts() - RESERVE);
        int blocks = connections == 0 ? 1 : (int) ((connections + (long) per - 1) / per);
        if (blocks == 1) {
            return new SourceAddresses(per, List.of());
        }
        if (!(server instanceof Inet4Address) || !server.isLoopbackAddress()) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: at most " + per
                    + " to " + server.getHostAddress() + ", what one source address's ephemeral ports allow;"
                    + " more need an IPv4 loopback server such as 127.0.0.1, reached from 127.0.0.2 and up)");
        }
        List<InetAddress> extra = new ArrayList<>(blocks - 1);
        byte[] base = {127, 0, 0, 1};
        int candidate = toInt(base);
        while (extra.size() < blocks - 1) {
            candidate++;
            if ((candidate & 0xFF) == 0 || (candidate & 0xFF) == 0xFF) {
                continue; // skip .0 and .255: network and broadcast look-alikes confuse people
            }
            if ((candidate >>> 24) != 127) {
                throw new IllegalArgumentException("connections: " + connections + " (expected: at most "
                        + (long) per * (extra.size() + 1) + ": 127/8 has no more source addresses)");
            }
            extra.add(fromInt(candidate));
        }
        return new SourceAddresses(per, extra);
    }

    /**
     * The size of the ephemeral port range from {@code /proc/sys/net/ipv4/ip_local_port_range},
     * or Linux's default when it cannot be read (another OS, a restricted /proc).
     */
    public static int ephemeralPorts() {
        return ephemeralPorts(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
    }

    static int ephemeralPorts(Path file) {
        try {
            String[] range = Files.readString(file, StandardCharsets.US_ASCII).trim().split("\\s+");
            if (range.length == 2) {
                int low = Integer.parseInt(range[0]);
                int high = Integer.parseInt(range[1]);
                if (low > 0 && high >= low && high <= 65_535) {
                    return high - low + 1;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the default
        }
        return DEFAULT_PORTS;
    }

    /** Connections per source address. */
    public int perAddress() {
        return perAddress;
    }

    /** How many source addresses the plan uses, the kernel's default one included. */
    public int addresses() {
        return extra.size() + 1;
    }

    /** The addresses bound beyond the default one, in order (empty when one address is enough). */
    public List<InetAddress> extraAddresses() {
        return extra;
    }

    /**
     * The local address connection {@code index} (from 0) binds before connecting, or null to let
     * the kernel choose (the first block).
     */
    public InetSocketAddress localAddress(int index) {
        int block = index / perAddress;
        if (block == 0) {
            return null;
        }
        if (block > extra.size()) {
            throw new IndexOutOfBoundsException("connection " + index + " is beyond the plan of "
                    + (long) perAddress * addresses());
        }
        return new InetSocketAddress(extra.get(block - 1), 0);
    }

    private static int toInt(byte[] a) {
        return (a[0] & 0xFF) << 24 | (a[1] & 0xFF) << 16 | (a[2] & 0xFF) << 8 | (a[3] & 0xFF);
    }

    private static InetAddress fromInt(int v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always a valid address
        }
    }
}
