package io.switchboard.server.rooms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Requests answered by every other node of a cluster (scatter-gather over the hub's messages
 * between nodes, {@link RoomHub#sendToAllNodes}): each request gets an id, goes to the nodes
 * alive, and completes once each of them answered, or one answer is enough, or the time is up,
 * with what came and which nodes did not answer. The layers above the rooms (the admin API,
 * Socket.IO's {@code fetchSockets} and recovery on another node) carry the id in their own
 * messages and hand each answer in through {@link #answer}. Thread-safe.
 *
 * @param <A> an answer
 */
public final class NodeRequests<A> {
    /** What the nodes answered, and which did not answer in time (empty when each did). */
    public record Gathered<A>(List<A> answers, Set<Integer> missing) {
        /** Whether every node asked answered, or one answer was enough. */
        public boolean complete() {
            return missing.isEmpty();
        }
    }

    private final BiConsumer<Duration, Runnable> timer;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    /** Times the requests out on {@link CompletableFuture#delayedExecutor}. */
    public NodeRequests() {
        this((timeout, expire) -> CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .execute(expire));
    }

    /** Times the requests out on {@code timer} (a test's event loop with a clock it moves). */
    public NodeRequests(ScheduledExecutorService timer) {
        this((timeout, expire) -> timer.schedule(expire, timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    private NodeRequests(BiConsumer<Duration, Runnable> timer) {
        this.timer = timer;
    }

    /**
     * Asks {@code nodes}: {@code send} sends the request with the id it is given and says whether
     * it was sent (false: the link is down, and no node will answer, so the request completes now
     * with every node missing). Completes when each node answered or one answer is {@code enough},
     * or after {@code timeout} with what came; with nothing at once when {@code nodes} is empty.
     */
    public CompletableFuture<Gathered<A>> ask(Set<Integer> nodes, LongPredicate send, Duration timeout,
            Predicate<? super A> enough) {
        if (nodes.isEmpty()) {
            return CompletableFuture.completedFuture(new Gathered<>(List.of(), Set.of()));
        }
        long id = ids.incrementAndGet();
        Pending p = new Pending(id, nodes, enough);
        pending.put(id, p);
        if (!send.test(id)) {
            p.expire();
            return p.done;
        }
        timer.accept(timeout, p::expire);
        return p.done;
    }

    /**
     * Hands in {@code node}'s answer to request {@code id}.
     *
     * @return {@code false} if no request waits for it: the id is unknown, the request is over
     *     (answered, or timed out: a late answer), or the node was not asked or already answered
     */
    public boolean answer(long id, int node, A answer) {
        Pending p = pending.get(id);
        return p != null && p.answer(node, answer);
    }

    /** How many requests wait for answers. */
    public int waiting() {
        return pending.size();
    }

    private final class Pending {
        final long id;
        final Set<Integer> waiting;
        final List<A> answers = new ArrayList<>();
        final Predicate<? super A> enough;
        final CompletableFuture<Gathered<A>> done = new CompletableFuture<>();
        boolean over;

        Pending(long id, Set<Integer> nodes, Predicate<? super A> enough) {
            this.id = id;
            this.waiting = new HashSet<>(nodes);
            this.enough = enough;
        }

        boolean answer(int node, A a) {
            Gathered<A> result;
            synchronized (this) {
                if (over || !waiting.remove(node)) {
                    return false;
                }
                answers.add(a);
                if (!enough.test(a) && !waiting.isEmpty()) {
                    return true;
                }
                over = true;
                pending.remove(id, this);
                result = new Gathered<>(List.copyOf(answers), Set.of());
            }
            done.complete(result); // outside the lock: the dependents run here
            return true;
        }

        void expire() {
            Gathered<A> result;
            synchronized (this) {
                if (over) {
                    return;
                }
                over = true;
                pending.remove(id, this);
                result = new Gathered<>(List.copyOf(answers), Set.copyOf(waiting));
            }
            done.complete(result);
        }
    }
}
