package io.switchboard.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.LogFormat;
import io.switchboard.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the file and the environment accept, and the one line each mistake gets. */
@Timeout(30)
class ConfigLoaderTest {
    private static ServerConfig yaml(String text) {
        return new ConfigLoader().yaml(text, "test.yaml").load();
    }

    private static String yamlError(String text) {
        return assertThrows(ConfigException.class, () -> yaml(text)).getMessage();
    }

    private static String envError(Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> new ConfigLoader().environment(env).load()).getMessage();
    }

    @Test
    void emptyDocumentsAndNullValuesMeanTheDefaults() {
        String defaults = ConfigPrinter.print(ServerConfig.builder().build());
        assertEquals(defaults, ConfigPrinter.print(yaml("")));
        assertEquals(defaults, ConfigPrinter.print(yaml("# nothing\n")));
        assertEquals(defaults, ConfigPrinter.print(yaml("listeners:\n  framed:\n    port:\nhttp:\n  static-root: ~\n")));
        assertEquals(defaults, ConfigPrinter.print(new ConfigLoader()
                .environment(Map.of("SWITCHBOARD_LISTENERS_FRAMED_PORT", "", "PATH", "/bin", "SWITCHBOARD_CONFIG", "x"))
                .load()));
    }

    @Test
    void valueSyntaxes() {
        ServerConfig c = yaml("listeners:\n  echo:\n    port: off\n  udp:\n    port: 'off'\n  http:\n    port: \"8081\"\n"
                + "framed:\n  max-frame-length: 64k\n  idle-timeout: 90\nrooms:\n  peer-ack-timeout: 2500\n"
                + "http:\n  idle-timeout: 2m\n  max-body: 2m\nlogging:\n  format: JSON\n"
                + "  levels:\n    io.switchboard.server.http: debug\n    io.netty: INFO\n");
        assertTrue(!c.enabled(Listener.ECHO) && !c.enabled(Listener.UDP));
        assertEquals(7001, c.configuredPort(Listener.ECHO));
        assertEquals(8081, c.port(Listener.HTTP));
        assertEquals(64 * 1024, c.maxFrameLength());
        assertEquals(Duration.ofSeconds(90), c.idleTimeout(), "a bare number is the flag's unit, seconds");
        assertEquals(Duration.ofMillis(2500), c.peerAckTimeout(), "a bare number is the flag's unit, milliseconds");
        assertEquals(Duration.ofMinutes(2), c.httpIdleTimeout());
        assertEquals(2 << 20, c.httpMaxBodyBytes());
        assertEquals(LogFormat.JSON, c.logFormat());
        assertEquals(Map.of("io.switchboard.server.http", Level.DEBUG, "io.netty", Level.INFO), c.loggerLevels());
        assertEquals(Map.of("a.b", Level.WARN, "c", Level.TRACE), new ConfigLoader()
                .environment(Map.of("SWITCHBOARD_LOGGING_LEVELS", "a.b=warn, c=trace")).load().loggerLevels());
    }

    @Test
    void enabledAndPortAreSeparateKeys() {
        ServerConfig off = yaml("listeners:\n  framed:\n    enabled: false\n    port: 7100\n");
        assertTrue(!off.enabled(Listener.FRAMED));
        assertEquals(7100, off.configuredPort(Listener.FRAMED));
        ServerConfig on = new ConfigLoader().yaml("listeners:\n  framed:\n    enabled: false\n", "f")
                .environment(Map.of("SWITCHBOARD_LISTENERS_FRAMED_ENABLED", "true")).load();
        assertTrue(on.enabled(Listener.FRAMED));
    }

    @Test
    void perListenerBindAddressFallsBackToTheCommonOne() {
        ServerConfig c = yaml("listeners:\n  bind: 127.0.0.1\n  http:\n    bind: ::1\n");
        assertEquals("127.0.0.1", c.bindAddress(Listener.FRAMED).getHostAddress());
        assertEquals("0:0:0:0:0:0:0:1", c.bindAddress(Listener.HTTP).getHostAddress());
    }

    @Test
    void unknownKeysAreRefusedWithTheNearestKnownOne() {
        assertEquals("unknown key listeners.framed.prot [in test.yaml] (did you mean listeners.framed.port?)",
                yamlError("listeners:\n  framed:\n    prot: 7000\n"));
        assertEquals("unknown key htp [in test.yaml] (did you mean http?)", yamlError("htp:\n  zero-copy: true\n"));
        assertEquals("unknown key colour [in test.yaml]", yamlError("colour: blue\n"));
    }

    @Test
    void wrongShapesAndTypesNameKeyValueAndExpectation() {
        assertEquals("listeners.framed: 5 (expected: a mapping of bind, enabled, port, tls) [from test.yaml]",
                yamlError("listeners:\n  framed: 5\n"));
        assertEquals("listeners.framed.port: {\"a\":1} (expected: 0..65535, 0 for an ephemeral port, or off) "
                + "[from test.yaml]", yamlError("listeners:\n  framed:\n    port: {a: 1}\n"));
        assertEquals("http.zero-copy: maybe (expected: true or false) [from test.yaml]",
                yamlError("http:\n  zero-copy: maybe\n"));
        // YAML's own booleans are booleans in the file (its parser reads them so); flags take true|false.
        assertTrue(!yaml("http:\n  zero-copy: no\n").httpZeroCopy());
        assertEquals("http.zero-copy: no (expected: true or false) [from SWITCHBOARD_HTTP_ZERO_COPY]",
                envError(Map.of("SWITCHBOARD_HTTP_ZERO_COPY", "no")));
        assertEquals("transport.io-threads: 2000 (expected: 0..1024) [from test.yaml]",
                yamlError("transport:\n  io-threads: 2000\n"));
        assertEquals("framed.idle-timeout: 5 parsecs (expected: 0s to 24d (500ms, 30s, 5m, 1h; a bare number is "
                + "seconds)) [from test.yaml]", yamlError("framed:\n  idle-timeout: 5 parsecs\n"));
        assertTrue(yamlError("[1, 2]\n").startsWith("test.yaml: [1,2] (expected: a mapping of keys"));
    }

    @Test
    void aValueOrKeyWithALineBreakStillGivesAOneLineMessage() {
        // found by ConfigLoaderFuzzTest (input found-carriage-return-in-value): a CR reached the message
        String value = assertThrows(ConfigException.class, () -> yaml("logging:\n  format: \"\\rooms.nb\"\n")).getMessage();
        assertEquals("logging.format: \\rooms.nb (expected: text or json) [from test.yaml]", value);
        String key = assertThrows(ConfigException.class, () -> yaml("\"a\\nb\u2028c\": 1\n")).getMessage();
        assertTrue(!key.contains("\n") && !key.contains("\u2028") && key.contains("a\\nb\\u2028c"), key);
    }

    @Test
    void yamlSyntaxErrorsAndDuplicatesNameTheLine() {
        assertEquals("test.yaml:2:7: not valid YAML: mapping values are not allowed here",
                yamlError("http:\n  a: b: c\n"));
        assertTrue(yamlError("http:\n  zero-copy: true\n  zero-copy: false\n")
                .startsWith("test.yaml:3:"), yamlError("http:\n  zero-copy: true\n  zero-copy: false\n"));
        assertTrue(yamlError("http:\n  zero-copy: true\n  zero-copy: false\n").contains("Duplicate field 'zero-copy'"));
    }

    @Test
    void environmentMistakes() {
        assertEquals("unknown environment variable SWITCHBOARD_LISTENERS_FRAMED_PROT (did you mean "
                + "SWITCHBOARD_LISTENERS_FRAMED_PORT?) (every SWITCHBOARD_* variable must name a configuration key)",
                envError(Map.of("SWITCHBOARD_LISTENERS_FRAMED_PROT", "1")));
        assertEquals("listeners.http.port: http (expected: 0..65535, 0 for an ephemeral port, or off) "
                + "[from SWITCHBOARD_LISTENERS_HTTP_PORT]", envError(Map.of("SWITCHBOARD_LISTENERS_HTTP_PORT", "http")));
    }

    @Test
    void builderRefusalsAreRephrasedWithTheKey(@TempDir Path dir) {
        assertEquals("http.static-root: " + dir.resolve("nope") + " (expected: an existing directory) [from "
                + "SWITCHBOARD_HTTP_STATIC_ROOT]",
                envError(Map.of("SWITCHBOARD_HTTP_STATIC_ROOT", dir.resolve("nope").toString())));
        // A combination the builder refuses names the values involved.
        assertTrue(envError(Map.of("SWITCHBOARD_FRAMED_MAX_FRAME_LENGTH", "100", "SWITCHBOARD_ROOMS_MAX_PAYLOAD", "1000"))
                .contains("1000 (expected: at most"));
    }

    @Test
    void theRedisPasswordIsNeverPrintedAndItsMarkerIsRefused() {
        ServerConfig withUser = new ConfigLoader().flags(Map.of("--cluster", "redis://app:s3cret@127.0.0.1:6379/2")).load();
        assertEquals("s3cret", withUser.cluster().getUserInfo().split(":")[1], "the server itself uses the password");
        String printed = ConfigPrinter.print(withUser);
        assertTrue(printed.contains("redis: redis://app:<redacted>@127.0.0.1:6379/2") && !printed.contains("s3cret"), printed);
        ServerConfig passwordOnly = new ConfigLoader().flags(Map.of("--cluster", "rediss://hunter2@redis.internal:6380")).load();
        String printed2 = ConfigPrinter.print(passwordOnly);
        assertTrue(printed2.contains("redis: rediss://<redacted>@redis.internal:6380") && !printed2.contains("hunter2"), printed2);
        ServerConfig plain = new ConfigLoader().flags(Map.of("--cluster", "redis://127.0.0.1:6379")).load();
        assertTrue(ConfigPrinter.print(plain).contains("redis: redis://127.0.0.1:6379\n"), ConfigPrinter.print(plain));
        String refused = assertThrows(ConfigException.class, () -> new ConfigLoader()
                .flags(Map.of("--cluster", "redis://app:<redacted>@127.0.0.1:6379")).load()).getMessage();
        assertTrue(refused.startsWith("cluster.redis: redis://app:<redacted>@127.0.0.1:6379 (expected: "), refused);
    }

    @Test
    void secretsAreNeverEchoedAndTheRedactionMarkerIsRefused() {
        String bad = assertThrows(ConfigException.class, () -> new ConfigLoader()
                .flags(Map.of("--auth-token", "<redacted>")).load()).getMessage();
        assertTrue(bad.startsWith("auth.token: <redacted> (expected: the secret itself"), bad);
        ServerConfig withToken = new ConfigLoader().flags(Map.of("--auth-token", "hunter2")).load();
        String printed = ConfigPrinter.print(withToken);
        assertTrue(printed.contains("token: <redacted>") && !printed.contains("hunter2"), printed);
    }

    @Test
    void everySourceIsCheckedEvenWhenOverridden() {
        String message = assertThrows(ConfigException.class, () -> new ConfigLoader()
                .yaml("transport:\n  io-threads: -1\n", "test.yaml")
                .flags(Map.of("--io-threads", "2")).load()).getMessage();
        assertEquals("transport.io-threads: -1 (expected: 0..1024) [from test.yaml]", message);
    }

    @Test
    void aMissingFileIsOneLine(@TempDir Path dir) throws Exception {
        assertEquals("config file " + dir.resolve("x.yaml") + ": not found",
                assertThrows(ConfigException.class, () -> new ConfigLoader().file(dir.resolve("x.yaml"))).getMessage());
        Path file = Files.writeString(dir.resolve("ok.yaml"), "transport:\n  io-threads: 3\n");
        assertEquals(3, new ConfigLoader().file(file).load().ioThreads());
    }
}
