package io.switchboard.server.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.tls.TestCertificates;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sections ServerConfig hands out carry its values, and never print a secret. */
class SectionsTest {
    @Test
    void sectionsCarryTheConfiguredValues() {
        ServerConfig config = ServerConfig.builder().maxFrameLength(4096).idleTimeout(Duration.ofSeconds(7))
                .httpMaxBodyBytes(2048).maxPayloadBytes(1024).rateLimit(5).maxConnectionsPerIp(3)
                .clusterHeartbeatTtl(Duration.ofSeconds(4)).build();
        assertEquals(new FramedConfig(4096, Duration.ofSeconds(7), config.session()), config.framedConfig());
        assertEquals(new WsConfig(2048, Duration.ofSeconds(7), config.session()), config.webSocketConfig());
        assertEquals(config.webSocketConfig(), config.httpConfig().ws());
        assertEquals(2048, config.httpConfig().maxBodyBytes());
        assertEquals(1024, config.framedConfig().session().maxPayloadBytes());
        assertEquals(5, config.limitsConfig().rateLimit());
        assertEquals(5, config.limitsConfig().rateBurst(), "the burst defaults to the rate");
        assertEquals(3, config.limitsConfig().maxConnectionsPerIp());
        assertEquals(Duration.ofSeconds(4), config.clusterConfig().heartbeatTtl());
        assertEquals(List.of(), config.tlsConfig().listeners());
    }

    @Test
    void tlsListenersAreNamedByIdInEnumOrder() {
        TestCertificates.Issued ec = TestCertificates.shared().ec();
        ServerConfig config = ServerConfig.builder().tls(Listener.HTTP, true).tls(Listener.FRAMED, true)
                .tlsCertificate(ec.cert()).tlsKey(ec.key()).build();
        assertEquals(List.of(Listener.FRAMED.id(), Listener.HTTP.id()), config.tlsConfig().listeners());
    }

    @Test
    void noSecretInToString() {
        AuthConfig auth = ServerConfig.builder().authToken("s3cret-token").build().authConfig();
        assertFalse(auth.toString().contains("s3cret-token"), auth.toString());
        assertTrue(auth.toString().contains("token=(set)"), auth.toString());
        ClusterConfig cluster = new ClusterConfig(URI.create("redis://:hunter2@redis.example:6380/2"),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
        assertFalse(cluster.toString().contains("hunter2"), cluster.toString());
        assertEquals("redis://redis.example:6380", cluster.redacted());
    }
}
