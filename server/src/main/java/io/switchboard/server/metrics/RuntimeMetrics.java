package io.switchboard.server.metrics;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's own resources on {@code /metrics}: open file descriptors, threads, JVM heap, and the
 * buffer memory Netty holds (its pooled allocator's arenas and every direct buffer it allocated).
 * What a leak looks like from outside, and what the soak test (bench/soak.sh) watches for a trend.
 */
public final class RuntimeMetrics implements MetricSource {
    private final ByteBufAllocator allocator;
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

    /** The metrics of this process, with the buffers of {@code allocator} (the server's). */
    public RuntimeMetrics(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public void write(Sink sink) {
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            sink.header("process_open_fds", "gauge", "Open file descriptors.");
            sink.sample("process_open_fds", null, unix.getOpenFileDescriptorCount());
            sink.header("process_max_fds", "gauge", "Most file descriptors the process may open.");
            sink.sample("process_max_fds", null, unix.getMaxFileDescriptorCount());
        }
        sink.header("jvm_threads_current", "gauge", "Live JVM threads.");
        sink.sample("jvm_threads_current", null, ManagementFactory.getThreadMXBean().getThreadCount());
        sink.header("jvm_memory_used_bytes", "gauge", "JVM memory in use, by area (heap: live and not yet collected objects).");
        sink.sample("jvm_memory_used_bytes", "area=\"heap\"", memory.getHeapMemoryUsage().getUsed());
        sink.sample("jvm_memory_used_bytes", "area=\"nonheap\"", memory.getNonHeapMemoryUsage().getUsed());
        long nioDirect = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                nioDirect = pool.getMemoryUsed();
            }
        }
        sink.header("switchboard_direct_memory_used_bytes", "gauge",
                "Direct (off-heap) memory in use, by who counts it: netty (every direct buffer Netty allocated, "
                        + "when it tracks them) and nio (java.nio direct buffers).");
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            sink.sample("switchboard_direct_memory_used_bytes", "counter=\"netty\"", netty);
        }
        sink.sample("switchboard_direct_memory_used_bytes", "counter=\"nio\"", nioDirect);
        if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            sink.header("switchboard_buffer_pool_used_bytes", "gauge",
                    "Memory the server's buffer allocator holds in its arenas, by kind (used and cached buffers).");
            sink.sample("switchboard_buffer_pool_used_bytes", "kind=\"direct\"", metric.usedDirectMemory());
            sink.sample("switchboard_buffer_pool_used_bytes", "kind=\"heap\"", metric.usedHeapMemory());
        }
    }
}
