package io.switchboard.client.load.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.Arrivals;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.ScenarioException;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class ScenarioTest {
    /** What the command line passes when only --scenario is given. */
    private static final LoadSettings CLI = LoadSettings.builder().target("127.0.0.1").build();

    @TempDir
    Path dir;

    private Scenario parse(String yaml) {
        return Scenario.parse(yaml, "test.yaml", dir, CLI);
    }

    private String error(String yaml) {
        return assertThrows(ScenarioException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void aValueWithLineBreaksIsQuotedOnOneLine() {
        // found by ScenarioFuzzTest: the value used to be quoted with its line breaks
        assertEquals("stages[0].rate: \"a\\nb\\tc\\x01\" (expected a number of requests per second)",
                error("stages:\n  - name: s\n    rate: \"a\\nb\\tc\\x01\"\n"));
        assertEquals("\"q\\\"\\\\\\r\"", ScenarioException.quote("q\"\\\r"));        // and a file name with one, in the path looked for (found by ScenarioFuzzTest too)
        String m = error("stages:\n  - name: s\n    payload: \"@a\\nb\"\n");
        // and an unknown key with one
        assertEquals("a\\nb: unknown key (expected one of checks, defaults, description, name, stages at the top level)",
                error("\"a\\nb\": 1\n"));
        assertTrue(m.startsWith("stages[0].payload: \"@a\\nb\" (expected a readable file (looked for ") && m.endsWith("a\\nb))"), m);
    }

    @Test
    void theDocumentedExampleParses() throws Exception {
        Path example = Paths.get("..", "docs", "examples", "echo-stages.yaml");
        Scenario s = Scenario.parse(example, CLI);
        assertEquals("echo-stages", s.name());
        assertEquals(List.of("ramp-up", "hold", "spike", "ramp-down"), s.stages().stream().map(LoadSettings::name).toList());

        LoadSettings rampUp = s.stages().get(0);
        assertEquals(Protocol.RAW, rampUp.protocol());
        assertEquals("127.0.0.1:7001", rampUp.target());
        assertEquals(50, rampUp.connections());
        assertEquals(Arrivals.POISSON, rampUp.arrivals());
        assertEquals(42, rampUp.seed());
        assertEquals(PayloadSpec.fixed(64), rampUp.payload());
        assertEquals(1000, rampUp.rateFrom());
        assertEquals(20000, rampUp.rate());
        assertEquals(Duration.ZERO, rampUp.rateRamp());
        assertEquals(Duration.ofSeconds(2), rampUp.warmup());
        assertEquals(Duration.ofSeconds(2), rampUp.timeout());

        LoadSettings hold = s.stages().get(1);
        assertEquals(20000, hold.rate());
        assertTrue(hold.rateFrom() < 0, "constant rate: no ramp");
        assertEquals(Duration.ofSeconds(30), hold.duration());
        assertEquals(Duration.ZERO, hold.warmup(), "warm-up belongs to ramp-up only");

        assertEquals(100, s.stages().get(2).connections());
        LoadSettings down = s.stages().get(3);
        assertEquals(40000, down.rateFrom());
        assertEquals(1000, down.rate());
        assertEquals(Duration.ofSeconds(5), down.rateRamp());

        assertEquals(List.of("hold: p99 < 5ms", "hold: p99.9 <= 20ms", "hold: service.p99 < 2ms", "hold: rate >= 19000",
                "hold: errors == 0", "spike: max < 1s", "spike: errors.timeout == 0", "error_rate < 0.1%",
                "timeouts == 0", "hold: lag.p99 < 1ms"), s.checks());
        for (String check : s.checks()) {
            Checks.validate(check);
        }
    }

    @Test
    void stagesOverrideDefaultsWhichOverrideTheCommandLine() {
        LoadSettings cli = LoadSettings.builder().protocol(Protocol.FANOUT).target("10.0.0.1:9")
                .connections(7).pipeline(3).option("drain", "5s").build();
        Scenario s = Scenario.parse("""
                defaults:
                  connections: 20
                  options: {subscribers: 100}
                stages:
                  - name: a
                  - name: b
                    connections: 30
                    target: 127.0.0.1:7000
                    options: {publishers: 2}
                """, "t.yaml", dir, cli);
        assertEquals("t.yaml", s.name(), "no name: the source's");
        LoadSettings a = s.stages().get(0);
        assertEquals("10.0.0.1:9", a.target());
        assertEquals(20, a.connections());
        assertEquals(3, a.pipeline());
        assertEquals(Map.of("drain", "5s", "subscribers", "100"), a.options());
        LoadSettings b = s.stages().get(1);
        assertEquals(30, b.connections());
        assertEquals("127.0.0.1:7000", b.target());
        assertEquals(Map.of("drain", "5s", "subscribers", "100", "publishers", "2"), b.options());
        assertTrue(s.checks().isEmpty());
    }

    @Test
    void everySettingKeyIsRead() throws Exception {
        Files.write(dir.resolve("body.json"), "{\"hello\":1}".getBytes());
        Scenario s = parse("""
                stages:
                  - name: all
                    protocol: http
                    target: http://127.0.0.1:8080/healthz
                    connections: 4
                    pipeline: 8
                    threads: 2
                    rate: closed
                    arrivals: constant
                    seed: -3
                    requests: 1000
                    warmup: 500ms
                    ramp_up: 250us
                    payload: {file: body.json}
                    timeout: 1.5s
                    transport: nio
                    sources: [127.0.0.2, "::1"]
                    method: post
                    headers: {X-Test: one, Accept: "*/*"}
                    mode: echo
                    token: secret
                    room: lobby
                  - name: framed
                    protocol: framed
                    target: "[::1]:7000"
                    transport: epoll
                    epoll_mode: level
                    payload: {min: 16, max: 4k}
                    mode: publish
                    duration: 2m
                    headers: ["X-A: b"]
                    sources: 127.0.0.3
                """);
        LoadSettings all = s.stages().get(0);
        assertEquals(Protocol.HTTP, all.protocol());
        assertEquals("http://127.0.0.1:8080/healthz", all.target());
        assertEquals(4, all.connections());
        assertEquals(8, all.pipeline());
        assertEquals(2, all.threads());
        assertEquals(0, all.rate());
        assertEquals(-3, all.seed());
        assertEquals(1000, all.requests());
        assertNull(all.duration(), "requests alone end the stage");
        assertEquals(Duration.ofMillis(500), all.warmup());
        assertEquals(Duration.ofNanos(250_000), all.rampUp());
        assertEquals(dir.resolve("body.json"), all.payload().file(), "relative to the scenario's directory");
        assertEquals(Duration.ofMillis(1500), all.timeout());
        assertEquals(TransportChoice.NIO, all.transport());
        assertEquals(List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("::1")), all.sources());
        assertEquals("POST", all.method());
        assertEquals(List.of("X-Test: one", "Accept: */*"), all.headers());
        assertEquals("secret", all.token());
        assertEquals("lobby", all.room());

        LoadSettings framed = s.stages().get(1);
        assertEquals("[::1]:7000", framed.target());
        assertEquals(TransportChoice.EPOLL, framed.transport());
        assertEquals(EpollMode.LEVEL, framed.epollMode());
        assertEquals(PayloadSpec.range(16, 4096), framed.payload());
        assertEquals("publish", framed.mode());
        assertEquals(Duration.ofMinutes(2), framed.duration());
        assertEquals(0, framed.requests(), "a duration alone ends the stage");
        assertEquals(List.of("X-A: b"), framed.headers());
        assertEquals(List.of(InetAddress.getByName("127.0.0.3")), framed.sources());
    }

    @Test
    void payloadSpellings() {
        Scenario s = parse("""
                stages:
                  - {name: a, payload: 128}
                  - {name: b, payload: "16-1024"}
                  - {name: c, payload: 4k}
                  - {name: d, payload: {size: 1m}}
                """);
        assertEquals(List.of(PayloadSpec.fixed(128), PayloadSpec.range(16, 1024), PayloadSpec.fixed(4096),
                PayloadSpec.fixed(1 << 20)), s.stages().stream().map(LoadSettings::payload).toList());
    }

    @Test
    void yamlSyntaxErrorsNameTheFileLineAndColumn() {
        String msg = error("stages:\n  - name: a\n    rate: [1, 2\n");
        assertTrue(msg.startsWith("test.yaml:"), msg);
        assertTrue(msg.matches("test\\.yaml:\\d+:\\d+: .+"), msg);
    }

    @Test
    void duplicateKeysAreAnError() {
        String msg = error("stages:\n  - name: a\n    rate: 5\n    rate: 6\n");
        assertTrue(msg.startsWith("test.yaml:4:"), msg);
        assertTrue(msg.contains("Duplicate field 'rate'"), msg);
    }

    @Test
    void anUnreadableFileIsOneMessage() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> Scenario.parse(dir.resolve("nope.yaml"), CLI));
        assertEquals(dir.resolve("nope.yaml") + ": cannot read the scenario file (no such file)", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            empty file                | ``                                         | test.yaml: the file is empty (expected a mapping with stages)
            top level is a list       | - a                                        | (top level): a list (expected a mapping with stages, and optionally name, description, defaults and checks)
            unknown top-level key     | `stage: []`                                | stage: unknown key (expected one of checks, defaults, description, name, stages at the top level)
            no stages                 | name: x                                    | stages: missing (expected a list of stages, each with a name)
            empty stages              | `stages: []`                               | stages: empty (expected at least one stage)
            stages not a list         | `stages: {a: 1}`                           | stages: a mapping (expected a list of stages, each with a name)
            stage not a mapping       | `stages: [fast]`                           | stages[0]: "fast" (expected a mapping with a name and stage settings)
            stage without a name      | `stages: [{rate: 5}]`                      | stages[0].name: missing (every stage needs a name)
            stage name with a space   | `stages: [{name: "a b"}]`                  | stages[0].name: "a b" (expected 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit)
            stage name twice          | `stages: [{name: a}, {name: a}]`           | stages[1].name: "a" (expected a name no other stage has)
            name not a string         | `{name: [1], stages: [{name: a}]}`         | name: a list (expected a string)
            defaults not a mapping    | `{defaults: 5, stages: [{name: a}]}`       | defaults: 5 (expected a mapping of stage settings)
            unknown key in defaults   | `{defaults: {name: x}, stages: [{name: a}]}` | defaults.name: unknown key (expected one of protocol, target, connections, pipeline, threads, rate, arrivals, seed, duration, requests, warmup, ramp_up, payload, timeout, transport, epoll_mode, sources, method, headers, mode, token, room, tls, insecure, ca, tls_server_name, min_achieved, options (defaults cannot have a name or checks))
            unknown key in a stage    | `stages: [{name: a, rates: 5}]`            | stages[0].rates: unknown key (expected one of name, checks, protocol, target, connections, pipeline, threads, rate, arrivals, seed, duration, requests, warmup, ramp_up, payload, timeout, transport, epoll_mode, sources, method, headers, mode, token, room, tls, insecure, ca, tls_server_name, min_achieved, options)
            empty value               | `stages: [{name: a, rate: }]`              | stages[0].rate: empty (remove the key to keep the default)
            rate is a word            | `stages: [{name: a}, {name: b}, {name: c, rate: fast}]` | stages[2].rate: "fast" (expected a number of requests per second)
            rate is negative          | `stages: [{name: a, rate: -5}]`            | stages[0].rate: -5 (expected a number of requests per second (zero or more))
            rate is a list            | `stages: [{name: a, rate: [1]}]`           | stages[0].rate: a list (expected a number of requests per second)
            ramp without to           | `stages: [{name: a, rate: {from: 5}}]`     | stages[0].rate: a ramp needs both from and to (requests per second)
            ramp unknown key          | `stages: [{name: a, rate: {from: 1, to: 2, by: 3}}]` | stages[0].rate.by: unknown key (expected from, to or over in a rate ramp)
            ramp from zero            | `stages: [{name: a, rate: {from: 0, to: 2}}]` | stages[0].rate.from: 0 (expected a positive number of requests per second)
            ramp over not a duration  | `stages: [{name: a, rate: {from: 1, to: 2, over: 5}}]` | stages[0].rate.over: 5 (expected a duration such as 30s, 500ms, 250us or 2m (a number needs a unit))
            connections a word        | `stages: [{name: a, connections: many}]`   | stages[0].connections: "many" (expected a number of connections, an integer from 1 to 10000000)
            connections zero          | `stages: [{name: a, connections: 0}]`      | stages[0].connections: 0 (expected a number of connections, an integer from 1 to 10000000)
            connections fractional    | `stages: [{name: a, connections: 1.5}]`    | stages[0].connections: 1.5 (expected a number of connections, an integer from 1 to 10000000)
            pipeline too deep         | `stages: [{name: a, pipeline: 70000}]`     | stages[0].pipeline: 70000 (expected requests in flight per connection, an integer from 1 to 65536)
            threads negative          | `stages: [{name: a, threads: -1}]`         | stages[0].threads: -1 (expected a number of I/O threads (0: one per core), an integer from 0 to 1024)
            requests zero             | `stages: [{name: a, requests: 0}]`         | stages[0].requests: 0 (expected a number of requests, a positive integer)
            seed a word               | `stages: [{name: a, seed: abc}]`           | stages[0].seed: "abc" (expected an integer seed, an integer)
            duration without unit     | `stages: [{name: a, duration: 30}]`        | stages[0].duration: 30 (expected a duration such as 30s, 500ms, 250us or 2m (a number needs a unit))
            duration unknown unit     | `stages: [{name: a, duration: 30 parsecs}]` | stages[0].duration: "30 parsecs" (expected a duration such as 30s, 500ms, 250us or 2m)
            duration zero             | `stages: [{name: a, duration: 0s}]`        | stages[0].duration: "0s" (expected a positive duration)
            timeout zero              | `stages: [{name: a, timeout: 0}]`          | stages[0].timeout: 0 (expected a positive duration)
            warmup negative           | `stages: [{name: a, warmup: -1s}]`         | stages[0].warmup: "-1s" (expected a duration such as 30s, 500ms, 250us or 2m)
            ramp_up a mapping         | `stages: [{name: a, ramp_up: {a: 1}}]`     | stages[0].ramp_up: a mapping (expected a duration such as 30s, 500ms, 250us or 2m (a number needs a unit))
            protocol unknown          | `stages: [{name: a, protocol: smtp}]`      | stages[0].protocol: "smtp" (expected raw, framed, http, udp, ws, fanout, connscale or socketio)
            arrivals unknown          | `stages: [{name: a, arrivals: bursty}]`    | stages[0].arrivals: "bursty" (expected constant or poisson)
            transport unknown         | `stages: [{name: a, transport: dpdk}]`     | stages[0].transport: "dpdk" (expected auto, epoll, kqueue or nio)
            epoll mode unknown        | `stages: [{name: a, epoll_mode: both}]`    | stages[0].epoll_mode: "both" (expected edge or level)
            method unknown            | `stages: [{name: a, method: PUT}]`         | stages[0].method: "PUT" (expected GET or POST)
            framed mode unknown       | `stages: [{name: a, mode: shout}]`         | stages[0].mode: "shout" (expected echo, ping or publish)
            target a number           | `stages: [{name: a, target: 7000}]`        | stages[0].target: 7000 (expected a string)
            target wrong for raw      | `stages: [{name: a, target: "http://x/"}]` | stages[0].target: "http://x/" (expected host or host:port for protocol raw)
            protocol without target   | `stages: [{name: a}, {name: b, protocol: http}]` | stages[1].target: missing (the scenario sets protocol http; give its target in the stage or in defaults)
            target blank              | `stages: [{name: a, target: " "}]`         | stages[0].target:   (expected: host:port or a URL)
            room empty                | `stages: [{name: a, room: ""}]`            | stages[0].room: "" (expected a room name)
            payload a word            | `stages: [{name: a, payload: huge}]`       | stages[0].payload: "huge" (expected a size such as 64 or 4k, a range such as 16-1024, @FILE, or a mapping with size, min and max, or file)
            payload too big           | `stages: [{name: a, payload: 999999999}]`  | stages[0].payload: 999999999 (expected a size from 0 to 67108864 bytes)
            payload two kinds         | `stages: [{name: a, payload: {size: 1, min: 2}}]` | stages[0].payload: give exactly one of size, min and max, or file
            payload range backwards   | `stages: [{name: a, payload: {min: 10, max: 5}}]` | stages[0].payload.max: 5 (expected at least min (10))
            payload range half        | `stages: [{name: a, payload: {min: 10}}]`  | stages[0].payload: a size range needs both min and max
            payload unknown key       | `stages: [{name: a, payload: {bytes: 1}}]` | stages[0].payload.bytes: unknown key (expected size, min and max, or file)
            payload size a word       | `stages: [{name: a, payload: {size: big}}]` | stages[0].payload.size: "big" (expected a size in bytes such as 64 or 4k)
            payload @ without a name  | `stages: [{name: a, payload: "@"}]`        | stages[0].payload: "@" (expected a file name after @)
            sources a host name       | `stages: [{name: a, sources: [example.com]}]` | stages[0].sources[0]: "example.com" (expected an IP address such as 127.0.0.2)
            sources a number          | `stages: [{name: a, sources: 5}]`          | stages[0].sources: 5 (expected a string)
            header without colon      | `stages: [{name: a, headers: [NoColon]}]`  | stages[0].headers[0]: "NoColon" (expected "Name: value")
            header name with space    | `stages: [{name: a, headers: {"Bad Name": x}}]` | stages[0].headers.Bad Name: "Bad Name" (expected an HTTP header name)
            header value a list       | `stages: [{name: a, headers: {X-A: [1]}}]` | stages[0].headers.X-A: a list (expected a header value)
            headers a number          | `stages: [{name: a, headers: 5}]`          | stages[0].headers: 5 (expected a mapping of header names to values)
            options not a mapping     | `stages: [{name: a, options: [x]}]`        | stages[0].options: a list (expected a mapping of workload option names to values)
            option name upper case    | `stages: [{name: a, options: {Hold: 5s}}]` | stages[0].options.Hold: unknown key (expected lower-case option names)
            option value a mapping    | `stages: [{name: a, options: {hold: {}}}]` | stages[0].options.hold: a mapping (expected a number, word or duration)
            option misspelt           | `stages: [{name: a, protocol: fanout, target: h, options: {subscriber: 5}}]` | stages[0].options.subscriber: unknown key (expected one of subscribers, rooms, publishers, drain for protocol fanout)
            option for another protocol | `{defaults: {options: {drain: 1s}}, stages: [{name: a}]}` | defaults.options.drain: unknown key (expected no options for protocol raw)
            checks not a list         | `stages: [{name: a, checks: "p99 < 5ms"}]` | stages[0].checks: "p99 < 5ms" (expected a list of checks such as "p99 < 5ms")
            check not a string        | `stages: [{name: a, checks: [5]}]`         | stages[0].checks[0]: 5 (expected a string)
            stage check bad           | `stages: [{name: a}, {name: b, checks: ["p99 < fast"]}]` | stages[1].checks[0]: check "p99 < fast": expected a number at column 7
            stage check scoped        | `stages: [{name: a, checks: ["a: p99 < 5ms"]}]` | stages[0].checks[0]: "a: p99 < 5ms" (a stage's checks apply to that stage; write them without a stage name)
            run check unknown stage   | `{stages: [{name: a}], checks: ["b: p99 < 5ms"]}` | checks[0]: "b: p99 < 5ms" (expected a stage name before the colon, one of a)
            run check bad             | `{stages: [{name: a}], checks: ["errors < 5ms"]}` | checks[0]: check "errors < 5ms": errors is a count: it takes no unit at column 11
            """)
    void badInputIsOneMessageNamingTheKeyPath(String what, String yaml, String message) {
        assertEquals(message, error(yaml == null ? "" : yaml));
    }

    @Test
    void aMissingPayloadFileNamesWhereItLooked() {
        String msg = error("stages: [{name: a, payload: \"@missing.bin\"}]");
        assertEquals("stages[0].payload: \"@missing.bin\" (expected a readable file (looked for "
                + dir.resolve("missing.bin") + "))", msg);
    }

    @Test
    void tlsKeys() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        Scenario s = parse("""
                defaults:
                  tls: true
                stages:
                  - name: ca
                    protocol: framed
                    target: 127.0.0.1:7000
                    ca: ca.pem
                    tls_server_name: switchboard.example
                  - name: insecure
                    protocol: raw
                    insecure: true
                  - name: https
                    protocol: http
                    target: https://127.0.0.1:8443/healthz
                    tls: false
                    insecure: true
                  - name: plain
                    protocol: ws
                    target: ws://127.0.0.1:8080/ws
                    tls: false
                """);
        LoadSettings ca = s.stages().get(0);
        assertTrue(ca.tls() && ca.tlsEnabled());
        assertEquals(dir.resolve("ca.pem"), ca.tlsCa(), "relative to the scenario's directory");
        assertEquals("switchboard.example", ca.tlsServerName());
        assertEquals(false, ca.tlsInsecure());
        LoadSettings insecure = s.stages().get(1);
        assertTrue(insecure.tlsEnabled() && insecure.tlsInsecure());
        assertNull(insecure.tlsCa());
        assertNull(insecure.tlsServerName(), "the target's host");
        LoadSettings https = s.stages().get(2);
        assertEquals(false, https.tls());
        assertTrue(https.tlsEnabled(), "https:// implies TLS");
        assertTrue(https.tlsInsecure());
        assertEquals(false, s.stages().get(3).tlsEnabled());
        assertEquals(true, ca.describe().get("tls"));
        assertEquals("ca " + dir.resolve("ca.pem"), ca.describe().get("tls_trust"));
        assertEquals("switchboard.example", ca.describe().get("tls_server_name"));
        assertEquals("insecure", insecure.describe().get("tls_trust"));
        assertEquals(false, s.stages().get(3).describe().get("tls"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            tls a word                | `stages: [{name: a, tls: yes please}]`     | stages[0].tls: "yes please" (expected true or false)
            insecure a number         | `stages: [{name: a, tls: true, insecure: 1}]` | stages[0].insecure: 1 (expected true or false)
            ca missing                | `stages: [{name: a, tls: true, ca: nope.pem}]` | stages[0].ca: "nope.pem" (expected a readable PEM CA certificate file (looked for DIR/nope.pem))
            server name with a space  | `stages: [{name: a, tls: true, tls_server_name: "a b"}]` | stages[0].tls_server_name: "a b" (expected a host name)
            insecure without tls      | `stages: [{name: a, insecure: true}]`      | stages[0].insecure: true (expected: only with tls or an https:// or wss:// target)
            server name without tls   | `stages: [{name: a, tls_server_name: x}]`  | stages[0].tls_server_name: x (expected: only with tls or an https:// or wss:// target)
            insecure with ca          | `stages: [{name: a, tls: true, insecure: true, ca: ca.pem}]` | stages[0].insecure: true (expected: not with a CA file: insecure trusts any certificate)
            tls with udp              | `stages: [{name: a, protocol: udp, target: "127.0.0.1:7002", tls: true}]` | stages[0].tls: true (expected: false with protocol udp: udp has no TLS (DTLS is not supported))
            """)
    void badTlsKeysAreOneMessage(String what, String yaml, String message) throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        assertEquals(message.replace("DIR", dir.toString()), error(yaml));
    }
}
