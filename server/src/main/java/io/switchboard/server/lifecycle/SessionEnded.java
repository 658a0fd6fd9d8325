package io.switchboard.server.lifecycle;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A connection's session ended before its socket closes (a framed session after BYE or an error
 * lingers up to two seconds to deliver its last frame): what the connection holds for its
 * session, its slot under the connection limits, is given back now. Whatever registered with
 * {@link #onEnd} runs once, at {@link #fire} or when the channel closes, whichever comes first.
 */
public enum SessionEnded {
    /** The only instance. */
    INSTANCE;

    private static final AttributeKey<Runnable> KEY = AttributeKey.valueOf(SessionEnded.class, "onEnd");

    /** Runs {@code release} once: when the session ends or when {@code ch} closes. */
    public static void onEnd(Channel ch, Runnable release) {
        AtomicBoolean done = new AtomicBoolean();
        Runnable once = () -> {
            if (done.compareAndSet(false, true)) {
                release.run();
            }
        };
        ch.attr(KEY).set(once);
        ch.closeFuture().addListener(f -> once.run());
    }

    /** The session on {@code ch} is over. */
    public static void fire(Channel ch) {
        Runnable release = ch.attr(KEY).getAndSet(null);
        if (release != null) {
            release.run();
        }
    }
}
