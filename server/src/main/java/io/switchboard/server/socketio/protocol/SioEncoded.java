package io.switchboard.server.socketio.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * The text is an immutable {@link String}, shared as is. The transport's bytes of the text (for
 * Engine.IO over WebSocket, the whole frame) are made once, by the first recipient that asks
 * ({@link #retainedTextBytes}), and shared the same way as the attachments: a room broadcast
 * encodes its text once, not once per recipient. {@link #retainedAttachments()} and
 * {@link #retainedTextBytes} may be called from several threads, but not after (or concurrently
 * with) {@link #close()}.
 */
public final class SioEncoded implements AutoCloseable {
    /** How a transport turns the text message into its bytes. */
    @FunctionalInterface
    public interface TextEncoding {
        /** The bytes of {@code text}, in a new buffer from {@code alloc}. */
        ByteBuf encode(ByteBufAllocator alloc, String text);
    }

    private final String text;
    private final ByteBuf[] attachments;
    private final ByteBufAllocator alloc;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The text's bytes in {@link #textEncoding}, made on first use; guarded by {@code this}. */
    private ByteBuf textBytes;
    private TextEncoding textEncoding;

    SioEncoded(String text, ByteBuf[] attachments, ByteBufAllocator alloc) {
        this.text = text;
        this.attachments = attachments;
        this.alloc = alloc;
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

    /**
     * The text in {@code encoding}'s bytes, as a new retained duplicate (own indices, shared bytes)
     * that the caller owns: encoded by the first call, shared by the later ones. One encoding per
     * instance: the later calls must pass the same one.
     *
     * @throws IllegalStateException after {@link #close()}, or for a second, different encoding
     */
    public ByteBuf retainedTextBytes(TextEncoding encoding) {
        ByteBuf bytes;
        synchronized (this) {
            if (closed.get()) {
                throw new IllegalStateException("encoded packet already closed");
            }
            if (textBytes == null) {
                textBytes = encoding.encode(alloc, text);
                textEncoding = encoding;
            } else if (textEncoding != encoding) {
                throw new IllegalStateException("the text is already encoded by another encoding");
            }
            bytes = textBytes;
        }
        return bytes.retainedDuplicate();
    }

    /** Releases this instance's reference to the attachments and the text's bytes; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (ByteBuf attachment : attachments) {
                attachment.release();
            }
            ByteBuf bytes;
            synchronized (this) {
                bytes = textBytes;
                textBytes = null;
            }
            if (bytes != null) {
                bytes.release();
            }
        }
    }

    @Override
    public String toString() {
        return "SioEncoded[" + SioDecodeException.quote(text) + ", attachments=" + attachments.length + "]";
    }
}
