package io.switchboard.common.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class TransportConfigTest {
    private static boolean isLinux() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux");
    }

    private static void assumeEpoll() {
        assumeTrue(Epoll.isAvailable(), () -> "epoll unavailable: " + Epoll.unavailabilityCause());
    }

    // ---------------------------------------------------------------- resolve

    @Test
    void autoResolvesToAnAvailableTransport() {
        TransportConfig config = TransportConfig.resolve(TransportChoice.AUTO, null);
        assertTrue(config.transport().isAvailable());
        assertNull(config.transport().unavailabilityCause());
        if (isLinux()) {
            assertEquals(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO, config.transport(),
                    () -> "epoll: " + Epoll.unavailabilityCause());
        }
        for (Map.Entry<Transport, Throwable> skipped : config.passedOver().entrySet()) {
            assertNotNull(skipped.getValue());
            assertNotNull(config.passedOverReason(skipped.getKey()));
        }
    }

    @Test
    void autoOnThisLinuxMachineIsEdgeTriggeredEpoll() {
        assumeTrue(isLinux());
        assumeEpoll();
        TransportConfig config = TransportConfig.resolve(TransportChoice.AUTO, null);
        assertEquals(Transport.EPOLL, config.transport());
        assertEquals(EpollMode.EDGE, config.epollMode());
        assertEquals(Map.of(), config.passedOver(), "epoll is first choice: nothing passed over");
        assertNull(config.passedOverReason(Transport.KQUEUE));
        assertEquals("epoll (edge-triggered)", config.toString());
    }

    @Test
    void autoWithEpollModeKeepsTheMode() {
        assumeEpoll();
        assertEquals(EpollMode.LEVEL, TransportConfig.resolve(TransportChoice.AUTO, EpollMode.LEVEL).epollMode());
    }

    @Test
    void forcingKqueueOnLinuxFailsWithOneLineNamingTheCause() {
        assumeTrue(isLinux());
        assumeFalse(KQueue.isAvailable());
        TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
                () -> TransportConfig.resolve(TransportChoice.KQUEUE, null));
        String message = e.getMessage();
        assertTrue(message.startsWith("transport kqueue is not available: "), message);
        assertFalse(message.contains("\n") || message.contains("\r"), "one line: " + message);
        assertSame(KQueue.unavailabilityCause(), e.getCause(), "the loader's exception is the cause");
        Throwable root = e.getCause();
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(message.contains(root.getClass().getSimpleName() + ": " + root.getMessage()),
                "names the root cause: " + message);
        assertTrue(message.contains("not this operating system"), message);
    }

    @Test
    void forcingEpollOnLinuxGivesEdgeByDefault() {
        assumeEpoll();
        TransportConfig config = TransportConfig.resolve(TransportChoice.EPOLL, null);
        assertEquals(Transport.EPOLL, config.transport());
        assertEquals(EpollMode.EDGE, config.epollMode());
        assertEquals(Map.of(), config.passedOver());
    }

    @ParameterizedTest
    @EnumSource(EpollMode.class)
    void theDefaultModeAppliesOnlyWhenNoneIsAsked(EpollMode defaultMode) {
        assumeEpoll();
        assertEquals(defaultMode, TransportConfig.resolve(TransportChoice.AUTO, null, defaultMode).epollMode());
        for (EpollMode asked : EpollMode.values()) {
            assertEquals(asked, TransportConfig.resolve(TransportChoice.EPOLL, asked, defaultMode).epollMode());
        }
        assertNull(TransportConfig.resolve(TransportChoice.NIO, null, defaultMode).epollMode(),
                "a default mode is no error on NIO");
    }

    @ParameterizedTest
    @EnumSource(EpollMode.class)
    void forcingEpollKeepsTheGivenMode(EpollMode mode) {
        assumeEpoll();
        TransportConfig config = TransportConfig.resolve(TransportChoice.EPOLL, mode);
        assertEquals(mode, config.epollMode());
        assertEquals("epoll (" + mode.id() + "-triggered)", config.toString());
    }

    @Test
    void nioHasNoEpollMode() {
        TransportConfig config = TransportConfig.resolve(TransportChoice.NIO, null);
        assertEquals(Transport.NIO, config.transport());
        assertNull(config.epollMode());
        assertEquals("nio", config.toString());
        assertEquals(Map.of(), config.passedOver());
    }

    @ParameterizedTest
    @EnumSource(EpollMode.class)
    void epollModeWithNioFailsSayingSo(EpollMode mode) {
        TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
                () -> TransportConfig.resolve(TransportChoice.NIO, mode));
        assertEquals("epoll mode " + mode.id() + " needs the epoll transport, but the transport is nio", e.getMessage());
    }

    @Test
    void epollModeWithKqueueOnLinuxFailsOnTheTransportFirst() {
        assumeFalse(KQueue.isAvailable());
        TransportUnavailableException e = assertThrows(TransportUnavailableException.class,
                () -> TransportConfig.resolve(TransportChoice.KQUEUE, EpollMode.EDGE));
        assertTrue(e.getMessage().startsWith("transport kqueue is not available"), e.getMessage());
    }

    @Test
    void choiceIsRequired() {
        assertThrows(NullPointerException.class, () -> TransportConfig.resolve(null, null));
    }

    // ---------------------------------------------------------------- parse

    @ParameterizedTest
    @ValueSource(strings = {"", "bogus", "epol", "io_uring", "auto,nio"})
    void badTransportNamesTheValueAndTheExpectedOnes(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TransportChoice.parse(value));
        assertEquals("transport: " + value + " (expected: auto, epoll, kqueue or nio)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "edged", "et", "lt", "both"})
    void badEpollModeNamesTheValueAndTheExpectedOnes(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EpollMode.parse(value));
        assertEquals("epoll mode: " + value + " (expected: edge or level)", e.getMessage());
    }

    @Test
    void parseIsCaseInsensitiveAndTrims() {
        assertEquals(TransportChoice.AUTO, TransportChoice.parse("auto"));
        assertEquals(TransportChoice.EPOLL, TransportChoice.parse(" EPOLL "));
        assertEquals(TransportChoice.KQUEUE, TransportChoice.parse("KQueue"));
        assertEquals(TransportChoice.NIO, TransportChoice.parse("nio\t"));
        assertEquals(EpollMode.EDGE, EpollMode.parse("Edge"));
        assertEquals(EpollMode.LEVEL, EpollMode.parse(" level "));
        for (TransportChoice choice : TransportChoice.values()) {
            assertEquals(choice, TransportChoice.parse(choice.id()));
        }
        for (EpollMode mode : EpollMode.values()) {
            assertEquals(mode, EpollMode.parse(mode.id()));
        }
    }

    @Test
    void choicesForceTheirTransport() {
        assertNull(TransportChoice.AUTO.forced());
        assertEquals(Transport.EPOLL, TransportChoice.EPOLL.forced());
        assertEquals(Transport.KQUEUE, TransportChoice.KQUEUE.forced());
        assertEquals(Transport.NIO, TransportChoice.NIO.forced());
    }

    // ---------------------------------------------------------------- bootstraps

    @ParameterizedTest
    @EnumSource(EpollMode.class)
    void configureServerBootstrapSetsEpollModeAsOptionAndChildOption(EpollMode mode) {
        assumeEpoll();
        ServerBootstrap bootstrap = TransportConfig.resolve(TransportChoice.EPOLL, mode).configure(new ServerBootstrap());
        io.netty.channel.epoll.EpollMode expected = mode == EpollMode.EDGE
                ? io.netty.channel.epoll.EpollMode.EDGE_TRIGGERED
                : io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED;
        assertEquals(expected, bootstrap.config().options().get(EpollChannelOption.EPOLL_MODE));
        assertEquals(expected, bootstrap.config().childOptions().get(EpollChannelOption.EPOLL_MODE));
        assertChannelType(EpollServerSocketChannel.class, bootstrap.config().channelFactory().newChannel());
    }

    @Test
    void configureServerBootstrapForNioSetsNoEpollMode() {
        ServerBootstrap bootstrap = TransportConfig.resolve(TransportChoice.NIO, null).configure(new ServerBootstrap());
        Map<ChannelOption<?>, Object> options = bootstrap.config().options();
        Map<ChannelOption<?>, Object> childOptions = bootstrap.config().childOptions();
        assertFalse(options.containsKey(EpollChannelOption.EPOLL_MODE), options::toString);
        assertFalse(childOptions.containsKey(EpollChannelOption.EPOLL_MODE), childOptions::toString);
        assertChannelType(NioServerSocketChannel.class, bootstrap.config().channelFactory().newChannel());
    }

    @Test
    void configureClientBootstrapsSetEpollModeAsOption() {
        assumeEpoll();
        TransportConfig config = TransportConfig.resolve(TransportChoice.EPOLL, EpollMode.LEVEL);
        Bootstrap socket = config.configureSocket(new Bootstrap());
        assertEquals(io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED, socket.config().options().get(EpollChannelOption.EPOLL_MODE));
        assertChannelType(EpollSocketChannel.class, socket.config().channelFactory().newChannel());
        Bootstrap datagram = config.configureDatagram(new Bootstrap());
        assertEquals(io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED, datagram.config().options().get(EpollChannelOption.EPOLL_MODE));
        assertChannelType(EpollDatagramChannel.class, datagram.config().channelFactory().newChannel());
    }

    @Test
    void configureClientBootstrapsForNioSetNoEpollMode() {
        TransportConfig config = TransportConfig.resolve(TransportChoice.NIO, null);
        Bootstrap socket = config.configureSocket(new Bootstrap());
        assertFalse(socket.config().options().containsKey(EpollChannelOption.EPOLL_MODE));
        assertChannelType(NioSocketChannel.class, socket.config().channelFactory().newChannel());
        Bootstrap datagram = config.configureDatagram(new Bootstrap());
        assertFalse(datagram.config().options().containsKey(EpollChannelOption.EPOLL_MODE));
    }

    private static void assertChannelType(Class<? extends Channel> type, Channel channel) {
        try {
            assertInstanceOf(type, channel);
        } finally {
            channel.unsafe().closeForcibly();
        }
    }

    // ---------------------------------------------------------------- event loops

    @Test
    void eventLoopGroupIsOfTheTransportWithNamedNonDaemonThreads() throws Exception {
        assertEventLoopGroup(TransportConfig.resolve(TransportChoice.NIO, null), NioEventLoopGroup.class);
        if (Epoll.isAvailable()) {
            assertEventLoopGroup(TransportConfig.resolve(TransportChoice.EPOLL, null), EpollEventLoopGroup.class);
        }
    }

    private static void assertEventLoopGroup(TransportConfig config, Class<? extends EventLoopGroup> type)
            throws Exception {
        EventLoopGroup group = config.newEventLoopGroup(1, "sb-test-io");
        try {
            assertInstanceOf(type, group);
            Thread thread = group.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertTrue(thread.getName().startsWith("sb-test-io"), thread.getName());
            assertFalse(thread.isDaemon());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
