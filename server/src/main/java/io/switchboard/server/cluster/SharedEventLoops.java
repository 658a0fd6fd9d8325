package io.switchboard.server.cluster;

import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Gives Lettuce the server's I/O event loops, so that its two Redis connections cost no threads
 * of their own. Lettuce picks its transport by itself (epoll when Netty's native epoll loads,
 * otherwise NIO) and asks for a group of that class; when the server runs another transport (NIO
 * forced on Linux, say) the classes differ, and Lettuce gets a one-thread group of its own instead,
 * which this provider owns and shuts down. The server's group is never shut down from here.
 */
final class SharedEventLoops implements EventLoopGroupProvider {
    private static final Logger log = LogManager.getLogger(SharedEventLoops.class);

    private final EventLoopGroup shared;
    private final Map<Class<?>, EventExecutorGroup> own = new ConcurrentHashMap<>();

    SharedEventLoops(EventLoopGroup shared) {
        this.shared = shared;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        if (type.isInstance(shared)) {
            return (T) shared;
        }
        return (T) own.computeIfAbsent(type, t -> {
            log.info("cluster: Redis client runs on its own {} thread (the server's I/O loops are {})",
                    type.getSimpleName(), shared.getClass().getSimpleName());
            return DefaultEventLoopGroupProvider.createEventLoopGroup(type, 1);
        });
    }

    @Override
    public int threadPoolSize() {
        return 1;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        for (EventExecutorGroup group : own.values()) {
            group.shutdownGracefully(quietPeriod, timeout, unit);
        }
        own.clear();
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
}
