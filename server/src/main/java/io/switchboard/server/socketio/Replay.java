package io.switchboard.server.socketio;

import io.netty.buffer.ByteBuf;
import io.switchboard.server.socketio.protocol.SioEncoded;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What one socket keeps for connection state recovery (docs/socketio-recovery.md): the recent
 * events it was sent with an offset (the transport may have lost them in flight), then every
 * packet produced for it while it is detached, in the order they were (or would have been) sent.
 * Bounded in packets and bytes: sent entries fall off the front as needed (the history then
 * starts later), but a packet never sent cannot be dropped, so a detached socket that would need
 * more is beyond recovery ({@link #hold} returns {@code false}).
 *
 * <p>Not thread-safe: the owning socket guards it with its lock.
 */
final class Replay {
    /** One packet: its offset (0 for a packet without one, an ACK), its text and attachments (owned). */
    record Entry(long offset, String text, List<ByteBuf> attachments, long bytes, boolean sent) {
        Entry asSent() {
            return new Entry(offset, text, attachments, bytes, true);
        }
    }

    private final int maxEvents;
    private final long maxBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;
    /** Whether a sent entry was dropped: the history no longer starts at the socket's first packet. */
    private boolean truncated;

    Replay(int maxEvents, long maxBytes) {
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /** Records an event with an offset that is being sent to the attached client now. */
    void sent(long offset, SioEncoded packet) {
        add(entry(offset, packet, true));
    }

    /** Records a packet sent already, taken over with its socket from another node (owns its attachments). */
    void kept(Entry e) {
        add(e.asSent());
    }

    /**
     * Holds a packet for the detached client.
     *
     * @return {@code false} when it does not fit without dropping a packet never sent: recovery
     *     is no longer possible (the packet is not kept)
     */
    boolean hold(long offset, SioEncoded packet) {
        return add(entry(offset, packet, false));
    }

    private static Entry entry(long offset, SioEncoded packet, boolean sent) {
        List<ByteBuf> attachments = packet.retainedAttachments();
        long size = packet.text().length();
        for (ByteBuf b : attachments) {
            size += b.readableBytes();
        }
        return new Entry(offset, packet.text(), attachments, size, sent);
    }

    private boolean add(Entry e) {
        while (!entries.isEmpty() && (entries.size() >= maxEvents || bytes + e.bytes() > maxBytes)) {
            if (!entries.peekFirst().sent()) {
                release(e);
                return false;
            }
            drop(entries.pollFirst());
            truncated = true;
        }
        if (e.bytes() > maxBytes) {
            release(e);
            if (e.sent()) {
                truncated = true;
                return true;
            }
            return false;
        }
        entries.addLast(e);
        bytes += e.bytes();
        return true;
    }

    /**
     * The packets a client that last processed {@code offset} missed, in order, or {@code null}
     * when they are not all here (the offset is unknown or fell off the history). A client
     * without an offset processed no event: it gets everything, if nothing was dropped. The
     * entries returned stay here (as sent), those up to the offset are released.
     */
    List<Entry> recover(String offset) {
        int start;
        if (offset == null) {
            if (truncated) {
                return null;
            }
            start = 0;
        } else {
            long wanted;
            try {
                wanted = Long.parseLong(offset);
            } catch (NumberFormatException e) {
                return null;
            }
            start = -1;
            int i = 0;
            for (Entry e : entries) {
                if (e.offset() == wanted && wanted != 0) {
                    start = i + 1;
                    break;
                }
                i++;
            }
            if (start < 0) {
                return null;
            }
        }
        for (int i = 0; i < start; i++) {
            drop(entries.pollFirst());
            truncated = true;
        }
        List<Entry> missed = new ArrayList<>(entries.size());
        ArrayDeque<Entry> kept = new ArrayDeque<>(entries.size());
        for (Entry e : entries) {
            missed.add(e);
            kept.add(e.asSent());
        }
        entries.clear();
        entries.addAll(kept);
        return missed;
    }

    /** Packets held now. */
    int size() {
        return entries.size();
    }

    /** Releases everything. */
    void release() {
        for (Entry e : entries) {
            release(e);
        }
        entries.clear();
        bytes = 0;
    }

    private void drop(Entry e) {
        bytes -= e.bytes();
        release(e);
    }

    private static void release(Entry e) {
        for (ByteBuf b : e.attachments()) {
            b.release();
        }
    }
}
