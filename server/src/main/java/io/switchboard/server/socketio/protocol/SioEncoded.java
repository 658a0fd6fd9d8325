package io.switchboard.server.socketio.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The wire form of one packet, made once by {@link SioEncoder} and sent to any number of
 * recipients: the text message, then (for BINARY_EVENT and BINARY_ACK) one binary message per
 * attachment, in order.
 *
 * <h2>Ownership</h2>
 * An instance holds one reference to each attachment buffer and gives it up in {@link #close()},
 * which releases each buffer exactly once however often it is called. The buffers themselves
 * are never handed out: {@link #retainedAttachments()} returns, per call, fresh
 * {@link ByteBuf#retainedDuplicate() retained duplicates} (own indices, shared bytes) that belong to
 * the caller, typically passed to one recipient's transport, which releases them when written.
 * A room broadcast therefore reads:
 * <pre>{@code
 * try (SioEncoded wire = encoder.encode(packet)) {
 *     for (Recipient r : room) {
 *         r.sendText(wire.text());
 *         for (ByteBuf b : wire.retainedAttachments()) {
 *             r.sendBinary(b);          // the transport releases b
 *         }
 *     }
 * }
 * }</pre>
 * The text is an immutable {@link String}, shared as is. {@link #retainedAttachments()} may be
 * called from several threads, but not after (or concurrently with) {@link #close()}.
 */
public final class SioEncoded implements AutoCloseable {
    private final String text;
    private final ByteBuf[] attachments;
    private final AtomicBoolean closed = new AtomicBoolean();

    SioEncoded(String text, ByteBuf[] attachments) {
        this.text = text;
        this.attachments = attachments;
    }

    /** The text message (an Engine.IO message payload, without the Engine.IO type). */
    public String text() {
        return text;
    }

    /** How many binary messages follow the text. */
    public int attachmentCount() {
        return attachments.length;
    }

    /** Whether binary messages follow the text. */
    public boolean isBinary() {
        return attachments.length > 0;
    }

    /**
     * One retained duplicate of each attachment, in order, for one recipient; the caller owns and
     * must release each (or hand each to something that will). Empty for a text-only packet.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public List<ByteBuf> retainedAttachments() {
        if (attachments.length == 0) {
            return List.of();
        }
        if (closed.get()) {
            throw new IllegalStateException("encoded packet already closed");
        }
        List<ByteBuf> copies = new ArrayList<>(attachments.length);
        for (ByteBuf attachment : attachments) {
            copies.add(attachment.retainedDuplicate());
        }
        return Collections.unmodifiableList(copies);
    }

    /** Releases this instance's reference to the attachments; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (ByteBuf attachment : attachments) {
                attachment.release();
            }
        }
    }

    @Override
    public String toString() {
        return "SioEncoded[" + SioDecodeException.quote(text) + ", attachments=" + attachments.length + "]";
    }
}
