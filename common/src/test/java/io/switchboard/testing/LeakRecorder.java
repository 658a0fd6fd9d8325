package io.switchboard.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every leak Netty's detector reports, so that tests can fail on them instead of only
 * logging them. Installed before any buffer class loads by {@link LeakDetectionSessionListener}.
 */
public final class LeakRecorder {
    private static final List<String> LEAKS = new ArrayList<>();
    private static volatile boolean installed;

    private LeakRecorder() {
    }

    /** Installs the recording detector factory; idempotent. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                    long maxActive) {
                return new RecordingDetector<>(resource, samplingInterval);
            }
        });
    }

    /** Whether {@link #install()} ran before Netty created its detectors. */
    public static boolean isInstalled() {
        return installed;
    }

    /**
     * Collects garbage and pokes the detectors until unreachable, unreleased buffers are reported,
     * then returns and clears what was reported.
     */
    public static List<String> collect() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // In PARANOID mode every allocation polls the detector's reference queue.
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
            probe = UnpooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
            probe = PooledByteBufAllocator.DEFAULT.directBuffer(1);
            probe.release();
        }
        synchronized (LEAKS) {
            List<String> copy = new ArrayList<>(LEAKS);
            LEAKS.clear();
            return copy;
        }
    }

    /**
     * Returns and clears what was reported so far, without collecting garbage: cheap enough to
     * call after every input of a fuzz test. In PARANOID mode every allocation polls the
     * detectors, so a buffer leaked by an earlier input shows up here once the GC has found it.
     */
    public static List<String> drain() {
        synchronized (LEAKS) {
            if (LEAKS.isEmpty()) {
                return List.of();
            }
            List<String> copy = new ArrayList<>(LEAKS);
            LEAKS.clear();
            return copy;
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            synchronized (LEAKS) {
                LEAKS.add("LEAK: " + resourceType + records);
            }
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            synchronized (LEAKS) {
                LEAKS.add("LEAK: " + resourceType + " (no records)");
            }
            super.reportUntracedLeak(resourceType);
        }
    }
}
