package io.switchboard.client.load.workload;

import io.netty.buffer.ByteBufAllocator;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.common.transport.TransportConfig;

/**
 * What a {@link Workload} is created from, once per stage, before any connection opens (off the
 * I/O threads: resolve names, precompute request bytes, read files here).
 *
 * @param settings  the stage's settings
 * @param target    the parsed {@code --target}
 * @param transport the resolved transport
 * @param alloc     the allocator connections use (pooled)
 * @param counters  the stage's protocol-specific counters
 */
public record WorkloadSetup(
        LoadSettings settings,
        Target target,
        TransportConfig transport,
        ByteBufAllocator alloc,
        StageCounters counters) {}
