package io.switchboard.server.socketio.protocol;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * Jackson's buffers for the Socket.IO parser and generator, one set per thread as with Jackson's
 * default pool, but held in a {@link FastThreadLocal} on the event loops: Jackson's default looks
 * its set up in a {@link ThreadLocal} of soft references on every parser and generator made, a
 * hash probe that a profile of the echo showed at about 0.04 µs per packet each way. Other threads
 * (an application's executor) keep Jackson's default, whose soft references let a collection take
 * the buffers of threads that no longer parse.
 */
final class LoopBufferRecyclers extends RecyclerPool.ThreadLocalPoolBase<BufferRecycler> {
    static final LoopBufferRecyclers INSTANCE = new LoopBufferRecyclers();
    private static final long serialVersionUID = 1L;
    private static final RecyclerPool<BufferRecycler> OTHER_THREADS = JsonRecyclerPools.threadLocalPool();
    private static final FastThreadLocal<BufferRecycler> LOOP = new FastThreadLocal<>() {
        @Override
        protected BufferRecycler initialValue() {
            return new BufferRecycler();
        }
    };

    private LoopBufferRecyclers() {
    }

    @Override
    public BufferRecycler acquirePooled() {
        return Thread.currentThread() instanceof FastThreadLocalThread ? LOOP.get() : OTHER_THREADS.acquirePooled();
    }
}
