package io.switchboard.client.load.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.StageCounters;
import java.net.InetAddress;

/**
 * The engine's record of one connection slot: its requests in flight (tokens with their intended
 * and sent times) and its state across reconnects. Lives on one event loop.
 *
 * <p>Each connect attempt gets its own {@link Attempt} as the workload's
 * {@link ConnectionContext}, so callbacks from a channel that has since been replaced are ignored
 * instead of settling the new channel's requests.
 */
final class Conn {
    enum State { IDLE, CONNECTING, OPEN }

    final LoopWorker worker;
    final int index;
    final InetAddress source;
    final long[] intended;
    final long[] sent;
    final boolean[] busy;
    private final int[] free;
    private int freeTop;

    State state = State.IDLE;
    Attempt current;
    LoadConnection connection;
    boolean dirty;
    boolean queued;
    int failedConnects;
    long openRequestedAt;
    long openStartedAt;
    /** The workload announced that the current connection is about to close normally. */
    boolean closeExpected;

    Conn(LoopWorker worker, int index, InetAddress source, int pipeline) {
        this.worker = worker;
        this.index = index;
        this.source = source;
        intended = new long[pipeline];
        sent = new long[pipeline];
        busy = new boolean[pipeline];
        free = new int[pipeline];
        for (int i = 0; i < pipeline; i++) {
            free[i] = pipeline - 1 - i;
        }
        freeTop = pipeline;
    }

    int inFlight() {
        return free.length - freeTop;
    }

    boolean hasFreeSlot() {
        return freeTop > 0;
    }

    boolean canSend() {
        return state == State.OPEN && freeTop > 0 && connection.acceptsRequests();
    }

    /** Takes a free token and stamps it. */
    int acquire(long intendedNanos, long sentNanos) {
        int token = free[--freeTop];
        intended[token] = intendedNanos;
        sent[token] = sentNanos;
        busy[token] = true;
        return token;
    }

    /** Returns a token; false when it was not in flight (a duplicate or stale report). */
    boolean release(int token) {
        if (token < 0 || token >= busy.length || !busy[token]) {
            return false;
        }
        busy[token] = false;
        free[freeTop++] = token;
        return true;
    }

    Attempt newAttempt() {
        closeExpected = false;
        current = new Attempt();
        return current;
    }

    /** The workload's view of this connection for one connect attempt. */
    final class Attempt implements ConnectionContext {
        private boolean live() {
            return current == this;
        }

        @Override
        public EventLoop eventLoop() {
            return worker.eventLoop();
        }

        @Override
        public Bootstrap socketBootstrap() {
            return worker.bootstraps().socket(worker.eventLoop(), source);
        }

        @Override
        public Bootstrap datagramBootstrap() {
            return worker.bootstraps().datagram(worker.eventLoop(), source);
        }

        @Override
        public InetAddress sourceAddress() {
            return source;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public PayloadSource payloads() {
            return worker.payloads();
        }

        @Override
        public StageCounters counters() {
            return worker.counters();
        }

        @Override
        public void connected(LoadConnection c) {
            if (live()) {
                worker.onConnected(Conn.this, c);
            } else {
                c.close();
            }
        }

        @Override
        public void connectFailed(Throwable cause) {
            if (live()) {
                worker.onConnectFailed(Conn.this, cause);
            }
        }

        @Override
        public void completed(int token) {
            if (live()) {
                worker.onCompleted(Conn.this, token);
            }
        }

        @Override
        public void acknowledged(int token) {
            if (live()) {
                worker.onAcknowledged(Conn.this, token);
            }
        }

        @Override
        public long intendedNanos(int token) {
            return intended[token];
        }

        @Override
        public long sentNanos(int token) {
            return sent[token];
        }

        @Override
        public void delivered(long intendedNanos, long sentNanos) {
            worker.onDelivered(intendedNanos, sentNanos);
        }

        @Override
        public void failed(int token, ErrorKind kind, String detail) {
            if (live()) {
                worker.onFailed(Conn.this, token, kind, detail);
            }
        }

        @Override
        public void connectionError(ErrorKind kind, String detail) {
            if (live()) {
                worker.onConnectionError(Conn.this, kind, detail);
            }
        }

        @Override
        public void closed(Throwable cause) {
            if (live()) {
                worker.onClosed(Conn.this, cause);
            }
        }

        @Override
        public void closeExpected() {
            if (live()) {
                closeExpected = true;
            }
        }

        @Override
        public void readComplete() {
            if (live()) {
                worker.flushDirty();
            }
        }

        @Override
        public void bytesSent(long bytes) {
            worker.meter().add(LoopMeter.BYTES_SENT, bytes);
        }

        @Override
        public void bytesReceived(long bytes) {
            worker.meter().add(LoopMeter.BYTES_RECEIVED, bytes);
        }
    }
}
