package io.switchboard.server.rooms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.server.rooms.NodeRequests.Gathered;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scatter-gather over the other nodes, timed on an embedded loop whose clock the test moves. */
class NodeRequestsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final EmbeddedChannel timer = new EmbeddedChannel();
    private final NodeRequests<String> requests = new NodeRequests<>(timer.eventLoop());
    /** The ids the requests were sent with. */
    private final List<Long> sent = new ArrayList<>();

    NodeRequestsTest() {
        timer.freezeTime();
    }

    @AfterEach
    void close() {
        timer.finishAndReleaseAll();
    }

    private CompletableFuture<Gathered<String>> ask(Set<Integer> nodes, String enough) {
        return requests.ask(nodes, id -> sent.add(id), TIMEOUT, enough::equals);
    }

    private void advance(Duration d) {
        timer.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        timer.runScheduledPendingTasks();
    }

    @Test
    void completesWhenEveryNodeAnswered() {
        CompletableFuture<Gathered<String>> r = ask(Set.of(2, 3), "-");
        long id = sent.get(0);
        assertTrue(requests.answer(id, 2, "two"));
        assertFalse(r.isDone(), "node 3 has not answered");
        assertTrue(requests.answer(id, 3, "three"));
        assertEquals(new Gathered<>(List.of("two", "three"), Set.of()), r.getNow(null));
        assertTrue(r.getNow(null).complete());
        assertEquals(0, requests.waiting());
    }

    @Test
    void completesAtTheTimeoutWithWhatCameAndTheNodesThatDidNot() {
        CompletableFuture<Gathered<String>> r = ask(Set.of(2, 3, 4), "-");
        requests.answer(sent.get(0), 3, "three");
        advance(TIMEOUT.minusMillis(1));
        assertFalse(r.isDone(), "one millisecond before the timeout");
        advance(Duration.ofMillis(1));
        Gathered<String> g = r.getNow(null);
        assertEquals(List.of("three"), g.answers());
        assertEquals(Set.of(2, 4), g.missing());
        assertFalse(g.complete());
        assertFalse(requests.answer(sent.get(0), 2, "late"), "an answer after the timeout is late");
        assertEquals(List.of("three"), r.getNow(null).answers());
    }

    @Test
    void oneAnswerCanBeEnough() {
        CompletableFuture<Gathered<String>> r = ask(Set.of(2, 3, 4), "found");
        long id = sent.get(0);
        requests.answer(id, 4, "not here");
        requests.answer(id, 2, "found");
        assertEquals(new Gathered<>(List.of("not here", "found"), Set.of()), r.getNow(null));
        assertFalse(requests.answer(id, 3, "found"), "the request is over");
        advance(TIMEOUT);
        assertEquals(Set.of(), r.getNow(null).missing(), "the timeout changes nothing after");
    }

    @Test
    void onlyTheNodesAskedAnswerAndEachOnce() {
        CompletableFuture<Gathered<String>> r = ask(Set.of(2, 3), "-");
        long id = sent.get(0);
        assertFalse(requests.answer(id, 5, "not asked"));
        assertTrue(requests.answer(id, 2, "two"));
        assertFalse(requests.answer(id, 2, "two again"));
        assertFalse(requests.answer(id + 1, 3, "another request"));
        assertFalse(r.isDone());
        advance(TIMEOUT);
        assertEquals(new Gathered<>(List.of("two"), Set.of(3)), r.getNow(null));
    }

    @Test
    void concurrentRequestsHaveTheirOwnIds() {
        CompletableFuture<Gathered<String>> first = ask(Set.of(2), "-");
        CompletableFuture<Gathered<String>> second = ask(Set.of(2), "-");
        assertEquals(2, Set.copyOf(sent).size());
        requests.answer(sent.get(1), 2, "for the second");
        assertFalse(first.isDone());
        assertEquals(List.of("for the second"), second.getNow(null).answers());
        assertEquals(1, requests.waiting());
    }

    @Test
    void noOtherNodeCompletesAtOnceWithoutSending() {
        CompletableFuture<Gathered<String>> r = ask(Set.of(), "-");
        assertEquals(new Gathered<>(List.of(), Set.of()), r.getNow(null));
        assertEquals(List.of(), sent);
    }

    @Test
    void aRequestNotSentCompletesAtOnceWithEveryNodeMissing() {
        CompletableFuture<Gathered<String>> r = requests.ask(Set.of(2, 3), id -> false, TIMEOUT, a -> false);
        assertEquals(new Gathered<>(List.of(), Set.of(2, 3)), r.getNow(null));
        assertEquals(0, requests.waiting());
    }
}
