package io.switchboard.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.config.ConfigException;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerMain;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example's configuration (ServerMain.config with the application's defaults) and its page. */
class ChatAppTest {
    @Test
    void defaultsAreUnderFileEnvironmentAndFlags(@TempDir Path tmp) throws Exception {
        Path fromDefaults = Files.createDirectory(tmp.resolve("defaults"));
        Path fromFile = Files.createDirectory(tmp.resolve("file"));
        Path fromEnv = Files.createDirectory(tmp.resolve("env"));
        Path fromFlag = Files.createDirectory(tmp.resolve("flag"));
        Path yaml = Files.writeString(tmp.resolve("switchboard.yaml"), "http:\n  static-root: " + fromFile + "\n");
        Map<String, String> defaults = Map.of("http.static-root", fromDefaults.toString(), "socketio.relay", "false");

        ServerConfig onlyDefaults = ServerMain.config(Map.of(), defaults);
        assertEquals(fromDefaults, onlyDefaults.staticRoot());
        assertEquals(false, onlyDefaults.socketIoOptions().relay());
        assertEquals(fromFile, ServerMain.config(Map.of(), defaults, "--config", yaml.toString()).staticRoot());
        Map<String, String> env = Map.of("SWITCHBOARD_HTTP_STATIC_ROOT", fromEnv.toString());
        assertEquals(fromEnv, ServerMain.config(env, defaults, "--config", yaml.toString()).staticRoot());
        assertEquals(fromFlag, ServerMain.config(env, defaults, "--config", yaml.toString(),
                "--static-root", fromFlag.toString()).staticRoot());
        assertEquals(true, ServerMain.config(Map.of(), defaults, "--socketio-relay", "true").socketIoOptions().relay());
    }

    @Test
    void badDefaultsAndHelpAreRefusedWithOneLine() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ServerMain.config(Map.of(), Map.of("http.static-rot", "x")));
        assertTrue(unknown.getMessage().contains("unknown key http.static-rot"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("http.static-root"), unknown.getMessage());
        ConfigException bad = assertThrows(ConfigException.class,
                () -> ServerMain.config(Map.of(), Map.of("listeners.http.port", "70000")));
        assertTrue(bad.getMessage().startsWith("listeners.http.port: 70000 (expected:"), bad.getMessage());
        assertThrows(ConfigException.class, () -> ServerMain.config(Map.of(), Map.of(), "--help"));
    }

    @Test
    void servesThePageWithTheSocketIoClient() throws Exception {
        ServerConfig config = ServerMain.config(Map.of(), Map.of("http.static-root", ChatApp.webRoot().toString()),
                "--bind", "127.0.0.1", "--http-port", "0", "--framed-port", "off", "--echo-port", "off",
                "--udp-port", "off", "--io-threads", "1");
        try (Server server = ChatApp.start(config)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI base = URI.create("http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/");
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(base).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("socket.io.min.js") && page.body().contains("\"sendMessage\""), page.body());
            // Socket.IO is on the same listener: an Engine.IO v4 handshake over polling.
            HttpResponse<String> handshake = http.send(HttpRequest.newBuilder(base.resolve("/socket.io/?EIO=4&transport=polling"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, handshake.statusCode());
            assertTrue(handshake.body().startsWith("0{\"sid\":"), handshake.body());
        }
    }
}
