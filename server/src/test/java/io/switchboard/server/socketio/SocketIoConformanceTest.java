package io.switchboard.server.socketio;

import io.switchboard.common.transport.TransportChoice;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The official Socket.IO v5 test suite (../shared/conformance/socket.io-protocol) against
 * {@link SocketIoConformanceApp}, an application on the embedding API: every test passes in the
 * first run, or in at least two of three runs.
 */
class SocketIoConformanceTest {
    @Test
    void officialSuitePasses() throws Exception {
        Path work = OfficialSuite.prepare("socket.io-protocol");
        try (SocketIoConformanceApp app = SocketIoConformanceApp.start(3000, TransportChoice.AUTO)) {
            OfficialSuite.assertPasses("Socket.IO", work);
        }
    }
}
