package io.switchboard.server.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.ServerConfig;
import io.switchboard.server.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code --cluster} and the cluster settings of {@link ServerConfig}, without a network. */
class ClusterFlagTest {
    @Test
    void clusterIsOffUnlessAsked() {
        assertNull(ServerMain.parse().cluster());
        assertEquals(Duration.ofSeconds(10), ServerMain.parse().clusterHeartbeatTtl());
    }

    @Test
    void clusterFlagTakesARedisUri() {
        assertEquals(URI.create("redis://10.0.0.5:6379"), ServerMain.parse("--cluster", "redis://10.0.0.5:6379").cluster());
        assertEquals(URI.create("rediss://:secret@redis.internal:6380/2"),
                ServerMain.parse("--cluster", "rediss://:secret@redis.internal:6380/2").cluster());
    }

    @Test
    void otherUrisAreRefusedWithTheirValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ServerMain.parse("--cluster", "http://10.0.0.5:6379"));
        assertTrue(e.getMessage().contains("http://10.0.0.5:6379") && e.getMessage().contains("redis://host:port"),
                e.getMessage());
        assertThrows(ConfigException.class, () -> ServerMain.parse("--cluster", "redis:///nohost"));
        IllegalArgumentException builder = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().cluster(URI.create("http://10.0.0.5:6379")));
        assertEquals("cluster.redis: http://10.0.0.5:6379 (expected: redis://host:port)", builder.getMessage());
    }

    @Test
    void heartbeatTtlIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().clusterHeartbeatTtl(Duration.ofMillis(299)));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().clusterHeartbeatTtl(Duration.ofHours(2)));
        assertEquals(Duration.ofMillis(300),
                ServerConfig.builder().clusterHeartbeatTtl(Duration.ofMillis(300)).build().clusterHeartbeatTtl());
    }
}
