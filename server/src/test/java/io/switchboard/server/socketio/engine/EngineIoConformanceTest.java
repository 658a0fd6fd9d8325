package io.switchboard.server.socketio.engine;

import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.socketio.OfficialSuite;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The official Engine.IO v4 test suite (../shared/conformance/engine.io-protocol, software we did
 * not write, unchanged) against {@link EngineEchoApp} on localhost:3000: every test passes in the
 * first run, or in at least two of three runs (the reference server scores 23-24 of 24; a few tests race the 300 ms ping).
 */
class EngineIoConformanceTest {
    @Test
    void officialSuitePasses() throws Exception {
        Path work = OfficialSuite.prepare("engine.io-protocol");
        try (EngineEchoApp app = EngineEchoApp.start(3000, TransportChoice.AUTO)) {
            OfficialSuite.assertPasses("Engine.IO", work);
        }
    }
}
