package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.switchboard.testing.RequiredTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The official socket.io browser bundle ({@code socket.io-client/dist/socket.io.min.js} from the
 * same pinned npm install as {@link SocketIoClientInteropTest}) in headless Chromium, driven by
 * playwright-core ({@code browser.mjs}): the page and the bundle come from the server's static
 * root; the page connects over polling, upgrades to WebSocket, joins room {@code mixed} through
 * the relay and exchanges text and bytes with a framed client in this JVM ({@link FramedPeer}) and
 * bytes with a handler of {@link SocketIoInteropApp}. Skipped without node or Chromium, except
 * under CI=true (.ci/deps/chromium.sh installs both), where that fails.
 */
class SocketIoBrowserTest {
    private static final Path CHROMIUM = Paths.get(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    static final List<String> EXPECTED = List.of("browser/connect-over-polling", "browser/upgrade-to-websocket",
            "browser/relay-join-and-members", "browser/event-with-framed-client", "browser/buffer-with-framed-client",
            "browser/buffer-with-java-socket-handler", "browser/framed-event-to-browser");

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @Test
    void officialBrowserBundleInChromium() throws Exception {
        RequiredTool.require(Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed (run .ci/deps/chromium.sh)");
        Path work = NodeScripts.prepare();
        Path www = work.resolve("www");
        Files.createDirectories(www);
        Files.copy(Paths.get("src", "test", "node", "socketio-client", "page", "index.html"), www.resolve("index.html"),
                StandardCopyOption.REPLACE_EXISTING);
        Path bundle = work.resolve("node_modules/socket.io-client/dist/socket.io.min.js");
        assertTrue(Files.isRegularFile(bundle), bundle + " is missing from the npm install");
        Files.copy(bundle, www.resolve("socket.io.min.js"), StandardCopyOption.REPLACE_EXISTING);

        Server server = servers.start(TransportUnderTest.NIO, b -> b.staticRoot(www));
        new SocketIoInteropApp(server.socketIo());
        try (FramedPeer framed = new FramedPeer(server.transport(), server.address(Listener.FRAMED), "java-framed", "mixed")) {
            NodeScripts.Run run = NodeScripts.run(work, 120, "browser.mjs",
                    Integer.toString(server.address(Listener.HTTP).getPort()), Long.toUnsignedString(framed.sessionId));
            System.out.printf("socket.io browser bundle in Chromium: %d checks reported, %d failed%n",
                    run.checks().size(), run.failures().size());
            assertEquals(List.of(), run.failures(), run::output);
            assertEquals(EXPECTED, List.copyOf(run.checks().keySet()), run::output);
            assertNotNull(run.done(), run::output);
            assertEquals(0, run.exitCode(), run::output);

            List<FramedPeer.Seen> seen = new ArrayList<>();
            for (Object o; (o = framed.seen.poll(0, TimeUnit.SECONDS)) != null;) {
                if (o instanceof FramedPeer.Seen s) {
                    seen.add(s);
                }
            }
            FramedPeer.Seen text = seen.stream().filter(s -> s.event().equals("from-sio")).findFirst().orElse(null);
            assertNotNull(text, () -> "the framed client saw " + seen);
            assertEquals("hello from the browser", text.text());
            FramedPeer.Seen bytes = seen.stream().filter(s -> s.event().equals("bin-browser")).findFirst().orElse(null);
            assertNotNull(bytes, () -> "the framed client saw " + seen);
            assertArrayEquals(new byte[] {1, 2, 3, 0, (byte) 254}, bytes.payload());
        }
    }
}
