package io.switchboard.client.load.workload.connscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class SourceAddressesTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void fewConnectionsBindNothing() throws Exception {
        SourceAddresses plan = SourceAddresses.plan(100, InetAddress.getByName("127.0.0.1"), 100);
        assertEquals(1, plan.addresses());
        assertNull(plan.localAddress(0));
        assertNull(plan.localAddress(99));
    }

    @Test
    void blocksBeyondTheFirstComeFromTheNextLoopbackAddresses() throws Exception {
        SourceAddresses plan = SourceAddresses.plan(250, InetAddress.getByName("127.0.0.1"), 100);
        assertEquals(3, plan.addresses());
        assertNull(plan.localAddress(99));
        assertEquals(new InetSocketAddress("127.0.0.2", 0), plan.localAddress(100));
        assertEquals(new InetSocketAddress("127.0.0.2", 0), plan.localAddress(199));
        assertEquals(new InetSocketAddress("127.0.0.3", 0), plan.localAddress(249));
        assertThrows(IndexOutOfBoundsException.class, () -> plan.localAddress(300));
    }

    @Test
    void addressesSkipDotZeroAndDot255() throws Exception {
        SourceAddresses plan = SourceAddresses.plan(300 * 1, InetAddress.getByName("127.0.0.1"), 1);
        // 127.0.0.2 .. 127.0.0.254 is 253 addresses, then 127.0.1.1
        assertEquals(InetAddress.getByName("127.0.0.254"), plan.extraAddresses().get(252));
        assertEquals(InetAddress.getByName("127.0.1.1"), plan.extraAddresses().get(253));
    }

    @Test
    void moreThanOneAddressNeedsAnIpv4LoopbackServer() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SourceAddresses.plan(201, InetAddress.getByName("::1"), 100));
        assertTrue(e.getMessage().startsWith("connections: 201 (expected: at most 100 to "), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SourceAddresses.plan(201, InetAddress.getByName("192.0.2.1"), 100));
        assertEquals(1, SourceAddresses.plan(100, InetAddress.getByName("::1"), 100).addresses());
    }

    @Test
    void portsPerAddressDefaultsToTheEphemeralRangeLessAReserve(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ip_local_port_range");
        Files.writeString(file, "1024\t1123\n");
        assertEquals(100, SourceAddresses.ephemeralPorts(file));
        Files.writeString(file, "garbage");
        assertEquals(SourceAddresses.DEFAULT_PORTS, SourceAddresses.ephemeralPorts(file));
        assertEquals(SourceAddresses.DEFAULT_PORTS, SourceAddresses.ephemeralPorts(dir.resolve("absent")));
        SourceAddresses plan = SourceAddresses.plan(10, LOOPBACK, 0);
        assertEquals(SourceAddresses.ephemeralPorts() - SourceAddresses.RESERVE, plan.perAddress());
    }

    @Test
    void negativeValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SourceAddresses.plan(-1, LOOPBACK, 0));
        assertThrows(IllegalArgumentException.class, () -> SourceAddresses.plan(1, LOOPBACK, -1));
    }
}
