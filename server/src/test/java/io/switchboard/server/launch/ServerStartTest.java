package io.switchboard.server.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.ServerFixture;
import io.switchboard.testing.TransportUnderTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ServerStartTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @Test
    void aPortInUseIsOneClearError() throws Exception {
        Server first = servers.start(TransportUnderTest.NIO);
        int taken = first.address(Listener.FRAMED).getPort();
        ServerStartException e = assertThrows(ServerStartException.class,
                () -> servers.start(TransportUnderTest.NIO, b -> b.port(Listener.FRAMED, taken)));
        assertTrue(e.getMessage().startsWith("framed listener: cannot bind 127.0.0.1:" + taken + ": "), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("in use"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }

    @Test
    void aDisabledListenerIsNotBound() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO, b -> b.port(Listener.ECHO, ServerConfig.DISABLED));
        assertTrue(server.listeners().containsKey(Listener.FRAMED));
        assertFalse(server.listeners().containsKey(Listener.ECHO));
        assertThrows(IllegalStateException.class, () -> server.address(Listener.ECHO));
    }

    @Test
    void epollModeWithNioFailsStartUp() {
        ServerStartException e = assertThrows(ServerStartException.class, () -> Server.start(ServerConfig.builder()
                .transport(TransportChoice.NIO).epollMode(EpollMode.LEVEL).build()));
        assertTrue(e.getMessage().contains("needs the epoll transport"), e.getMessage());
    }

    @Test
    void builderNamesTheBadValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().port(Listener.ECHO, 70000));
        assertEquals("echo port: 70000 (expected: 0..65535, 0 for an ephemeral port, or off)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().maxFrameLength(10));
        assertTrue(e.getMessage().startsWith("max frame length: 10 (expected: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().idleTimeout(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().startsWith("idle timeout: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().ioThreads(-1));
        assertTrue(e.getMessage().startsWith("io threads: -1"), e.getMessage());
    }
}
