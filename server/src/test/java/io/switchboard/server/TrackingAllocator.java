package io.switchboard.server;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it handed out (from the pooled allocator, so the leak
 * detector sees them too), so that a test can check that each one was released: for code that
 * allocates on its own, where the caller never sees the buffers it should have freed.
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> allocated = new ArrayList<>();

    public TrackingAllocator() {
        super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
        allocated.add(buf);
        return buf;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        allocated.add(buf);
        return buf;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** How many buffers handed out are still referenced. */
    public int unreleased() {
        int n = 0;
        for (ByteBuf buf : allocated) {
            if (buf.refCnt() > 0) {
                n++;
            }
        }
        return n;
    }

    /** How many buffers were handed out. */
    public int allocations() {
        return allocated.size();
    }
}
