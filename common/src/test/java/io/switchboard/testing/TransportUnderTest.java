package io.switchboard.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.Transport;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;

/**
 * Every transport configuration a loopback test runs over. Use as the source of a
 * {@code @ParameterizedTest} with {@code @EnumSource}, and call {@link #config()} first: it skips
 * the test where the transport is not available on this machine.
 */
public enum TransportUnderTest {
    EPOLL_EDGE(TransportChoice.EPOLL, EpollMode.EDGE),
    EPOLL_LEVEL(TransportChoice.EPOLL, EpollMode.LEVEL),
    KQUEUE(TransportChoice.KQUEUE, null),
    NIO(TransportChoice.NIO, null);

    public final TransportChoice choice;
    public final EpollMode epollMode;

    TransportUnderTest(TransportChoice choice, EpollMode epollMode) {
        this.choice = choice;
        this.epollMode = epollMode;
    }

    /** The resolved configuration; skips the calling test when the transport cannot load here. */
    public TransportConfig config() {
        Transport transport = choice.forced();
        assumeTrue(transport.isAvailable(), () -> transport.id() + " unavailable: " + transport.unavailabilityCause());
        return TransportConfig.resolve(choice, epollMode);
    }
}
