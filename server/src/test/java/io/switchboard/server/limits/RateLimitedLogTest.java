package io.switchboard.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/** At most one line per key per interval, saying how many were left out; and the token bucket. */
class RateLimitedLogTest {
    @Test
    void oneLinePerKeyPerIntervalWithTheCountLeftOut() {
        Logger logger = LoggerContext.getContext(false).getLogger("test.ratelimited");
        List<String> lines = new ArrayList<>();
        AbstractAppender appender = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
        try {
            AtomicLong now = new AtomicLong(1_000);
            RateLimitedLog log = new RateLimitedLog(logger, Level.INFO, Duration.ofSeconds(10), now::get);
            assertTrue(log.log("a", "refused {}", 1));
            for (int i = 0; i < 1000; i++) {
                assertFalse(log.log("a", "refused {}", i));
            }
            assertTrue(log.log("b", "other {}", 1), "another key has its own interval");
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            assertTrue(log.log("a", "refused {}", 2));
            assertEquals(List.of(
                    "refused 1 (0 more like it not logged since the last such line)",
                    "other 1 (0 more like it not logged since the last such line)",
                    "refused 2 (1000 more like it not logged since the last such line)"), lines);
        } finally {
            logger.removeAppender(appender);
        }
    }

    @Test
    void tokenBucketAllowsTheBurstThenTheRate() {
        long t = 0;
        TokenBucket bucket = new TokenBucket(10, 3, t);
        assertTrue(bucket.tryTake(t));
        assertTrue(bucket.tryTake(t));
        assertTrue(bucket.tryTake(t));
        assertFalse(bucket.tryTake(t), "burst exhausted");
        t += 99_000_000; // 99 ms: not yet a whole token at 10/s
        assertFalse(bucket.tryTake(t));
        t += 1_000_000;
        assertTrue(bucket.tryTake(t));
        t += 10_000_000_000L; // long idle: refills to the burst, no more
        for (int i = 0; i < 3; i++) {
            assertTrue(bucket.tryTake(t));
        }
        assertFalse(bucket.tryTake(t));
    }
}
