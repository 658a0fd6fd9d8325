package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.protocol.Bye;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.testing.FramedTestClient;
import io.switchboard.testing.TransportUnderTest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server-side disconnect of framed sessions ({@code disconnectSockets()} of the embedding API)
 * over loopback, on every transport: the client is told BYE, and one that never answers it is
 * closed after the close linger all the same (docs/protocol.md, BYE).
 */
@Timeout(60)
class FramedDisconnectTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aClientThatNeverAnswersTheByeIsClosedAfterTheLinger(TransportUnderTest transport) throws Exception {
        // An idle timeout far beyond the test's wait, so that it is not what closes the connection.
        Server server = servers.start(transport, b -> b.idleTimeout(Duration.ofMinutes(10)));
        try (FramedTestClient deaf = new FramedTestClient(server.transport(), server.address(Listener.FRAMED), "deaf");
                FramedTestClient other = new FramedTestClient(server.transport(), server.address(Listener.FRAMED), "other")) {
            deaf.join("r");
            other.join("elsewhere");
            server.socketIo().of("/").in("r").disconnectSockets();
            Bye bye = deaf.nextBye();
            assertEquals(0, bye.code());
            assertEquals("disconnected by the server", bye.message());
            // The client neither says BYE nor closes: the server closes.
            assertTrue(deaf.closeFuture().await(10, TimeUnit.SECONDS),
                    "closed by the server within 10 s (linger " + FramedConnection.LINGER_MILLIS + " ms)");
            assertTrue(other.isActive(), "a session not picked stays");
        }
    }
}
