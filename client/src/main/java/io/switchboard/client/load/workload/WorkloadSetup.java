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
 * @param tls       the stage's TLS, shared by all its connections, or null for plaintext; a
 *                  stream workload puts it first in every pipeline ({@link LoadTls#addFirst})
 */
public record WorkloadSetup(
        LoadSettings settings,
        Target target,
        TransportConfig transport,
        ByteBufAllocator alloc,
        StageCounters counters,
        LoadTls tls) {

    /**
     * A setup with the TLS the settings ask for, built here once for the whole stage.
     *
     * @throws WorkloadException when TLS cannot be set up (an unusable CA file)
     */
    public WorkloadSetup(LoadSettings settings, Target target, TransportConfig transport, ByteBufAllocator alloc,
                         StageCounters counters) throws WorkloadException {
        this(settings, target, transport, alloc, counters, LoadTls.of(settings, target));
    }
}
