package io.switchboard.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.testing.FramedTestClient;
import io.switchboard.testing.RequiredTool;
import io.switchboard.testing.TransportUnderTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * chat.html in a real browser: {@code src/test/browser/chat-test.mjs} drives two pages of headless
 * Chromium (via playwright-core) against a running server, while a framed client in this JVM
 * chats in the same room. The server is the real one from {@link ServerFixture}: the page and the
 * WebSocket both come from its HTTP listener ({@link Listener#HTTP}). Writes {@code target/browser/chat.png}. Skipped only when node or
 * Chromium is missing; {@code .ci/deps/chromium.sh} installs both the browser and the npm package.
 */
class BrowserChatTest {
    private static final Path SCRIPT_DIR = Paths.get("src", "test", "browser");
    private static final Path CHROMIUM = Paths.get(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @Test
    void twoBrowsersAndAFramedClientChat() throws Exception {
        RequiredTool.require(onPath("node"), "node is not installed (run .ci/deps/chromium.sh)");
        RequiredTool.require(Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed (run .ci/deps/chromium.sh)");
        if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules/playwright-core"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(SCRIPT_DIR.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(npm.waitFor(180, TimeUnit.SECONDS) && npm.exitValue() == 0,
                    "npm ci failed in " + SCRIPT_DIR + " (run .ci/deps/chromium.sh):\n" + out);
        }

        Server server = servers.start(TransportUnderTest.NIO);
        Path screenshot = Paths.get("target", "browser", "chat.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        // The real HTTP listener (GET /chat and the /ws upgrade) on its ephemeral port.
        int httpPort = server.address(Listener.HTTP).getPort();
        try (FramedTestClient bot = new FramedTestClient(server.transport(), server.address(Listener.FRAMED), "java-bot")) {
            bot.join("lobby", true);
            // The bot answers alice, then waits for bob, on its own thread.
            CompletableFuture<String> botSaw = CompletableFuture.supplyAsync(() -> {
                try {
                    FramedTestClient.Received first = nextChat(bot);
                    assertEquals("hello from alice", first.text());
                    bot.publish("lobby", "chat", "hello from java");
                    return first.text() + " | " + nextChat(bot).text();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            Process node = new ProcessBuilder("node", "chat-test.mjs", Integer.toString(httpPort), screenshot.toString())
                    .directory(SCRIPT_DIR.toFile()).redirectErrorStream(true).start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e + ")";
                }
            });
            boolean finished = node.waitFor(90, TimeUnit.SECONDS);
            if (!finished) {
                node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String log = output.get(10, TimeUnit.SECONDS);
            assertTrue(finished, "the browser test did not finish within 90 s:\n" + log);
            assertEquals(0, node.exitValue(), "the browser test failed:\n" + log);
            assertTrue(log.contains("BROWSER-TEST-OK"), log);
            assertEquals("hello from alice | hi from bob", botSaw.get(10, TimeUnit.SECONDS));
            assertTrue(Files.size(screenshot) > 1000, "screenshot " + screenshot + " is missing or empty");
        }
    }

    /**
     * The next "chat" event, skipping presence notices and acks. The wait is as long as the
     * browser run may take: the browser starts after the bot begins waiting, and a loaded machine
     * can take well over 10 s to launch it.
     */
    private static FramedTestClient.Received nextChat(FramedTestClient bot) throws InterruptedException {
        while (true) {
            if (bot.next(90) instanceof FramedTestClient.Received event && event.event().equals("chat")) {
                return event;
            }
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(dir, command))) {
                return true;
            }
        }
        return false;
    }

}
