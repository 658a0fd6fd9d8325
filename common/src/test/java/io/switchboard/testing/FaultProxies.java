package io.switchboard.testing;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The {@link FaultProxy}s of a test, each closed as soon as the test body is over: before the
 * test's {@code @AfterEach} methods, so that the clients those close find their connections
 * reset at once instead of saying goodbye into a path that is blacked out. Register with
 * {@code @RegisterExtension final FaultProxies proxies = new FaultProxies();}.
 */
public final class FaultProxies implements AfterTestExecutionCallback {
    private final List<FaultProxy> started = new ArrayList<>();

    /** A proxy to {@code target} with jitter drawn from a random seed. */
    public FaultProxy start(InetSocketAddress target) throws InterruptedException {
        return keep(FaultProxy.start(target));
    }

    /** A proxy to {@code target} with jitter drawn from {@code seed}, for a repeatable run. */
    public FaultProxy start(InetSocketAddress target, long seed) throws InterruptedException {
        return keep(FaultProxy.start(target, seed));
    }

    private FaultProxy keep(FaultProxy proxy) {
        started.add(proxy);
        return proxy;
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        started.forEach(FaultProxy::close);
        started.clear();
    }
}
