package io.switchboard.server.rooms;

import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.Frame;

/**
 * A session that can be in rooms and receive what the {@link RoomHub} delivers: a framed
 * connection today, a WebSocket or a session on another node later. Implementations must accept
 * {@link #deliver} from any thread.
 */
public interface Member {
    /** The session id, unique on this server. */
    long id();

    /** The display name from the handshake. */
    String name();

    /**
     * The event loop this member's connection lives on, or {@code null} if it takes deliveries on
     * any thread at no extra cost. A fan-out hands the members of another loop their event in one
     * task for all of them, run on that loop, instead of one cross-thread write each.
     */
    default EventExecutor executor() {
        return null;
    }

    /**
     * Hands a message to this member's connection without blocking. Returns {@code false} if the
     * member's slow-consumer policy dropped it. The member retains what it keeps; the caller
     * still owns {@code message}.
     */
    boolean deliver(Outbound message);

    /**
     * Hands every message of {@code batch} to this member's connection, in order, without
     * blocking; returns how many it took (the rest its slow-consumer policy dropped). A member
     * whose wire format can carry them in one buffer writes {@link OutboundBatch#encoded} once.
     * The caller still owns {@code batch}.
     */
    default int deliver(OutboundBatch batch) {
        int taken = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (deliver(batch.get(i))) {
                taken++;
            }
        }
        return taken;
    }

    /**
     * Sends a reply frame addressed to this member alone (a routed ACK or an ERROR), from any
     * thread; takes ownership of {@code reply}.
     */
    void deliverReply(Frame reply);
}
