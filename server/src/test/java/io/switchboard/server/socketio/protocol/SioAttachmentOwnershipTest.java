package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioTestSupport.buffer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.switchboard.server.socketio.protocol.SioDecodeException.Reason;
import io.switchboard.testing.LeakRecorder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who releases what: the decoder releases every attachment it is given, exactly once, whatever
 * happens; an encoded packet releases its buffers once on close and hands out duplicates that
 * belong to the caller. The leak extension (PARANOID, on every test class) fails this class if a
 * pooled buffer is dropped unreleased; {@link #anUnclosedEncodingIsReportedAsALeak()} shows that
 * the encoder's buffers are indeed watched.
 */
class SioAttachmentOwnershipTest {
    private static final String TWO = "52-[\"a\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]";

    private final SioEncoder encoder = new SioEncoder(PooledByteBufAllocator.DEFAULT);
    /**
     * Unpooled buffers share one reference count with their duplicates and are never recycled,
     * so a duplicate's {@code refCnt()} shows exactly how many owners the bytes have.
     */
    private final SioEncoder countingEncoder = new SioEncoder(new UnpooledByteBufAllocator(true));

    @Test
    void theDecoderReleasesEachAttachmentOnArrival() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        ByteBuf first = buffer(new byte[] {1, 2, 3});
        ByteBuf second = buffer(new byte[] {4});
        assertNull(decoder.decodeText(TWO));
        assertEquals(2, decoder.pendingAttachments());
        assertNull(decoder.decodeBinary(first));
        assertEquals(0, first.refCnt());
        assertEquals(1, decoder.pendingAttachments());
        SioPacket packet = decoder.decodeBinary(second);
        assertEquals(0, second.refCnt());
        assertArrayEquals(new byte[] {1, 2, 3}, packet.data().get(1).binaryValue());
        assertArrayEquals(new byte[] {4}, packet.data().get(2).binaryValue());
    }

    @Test
    void onlyTheReadableBytesAreTaken() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        ByteBuf buf = buffer(new byte[] {9, 9, 1, 2, 9});
        buf.readerIndex(2).writerIndex(4);
        decoder.decodeText("51-[\"a\",{\"_placeholder\":true,\"num\":0}]");
        assertArrayEquals(new byte[] {1, 2}, decoder.decodeBinary(buf).data().get(1).binaryValue());
        assertEquals(0, buf.refCnt());
    }

    @Test
    void attachmentsBeforeAnErrorAreReleased() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        ByteBuf first = buffer(new byte[] {1});
        assertNull(decoder.decodeText(TWO));
        assertNull(decoder.decodeBinary(first));
        assertEquals(Reason.UNEXPECTED_TEXT,
                assertThrows(SioDecodeException.class, () -> decoder.decodeText("2[\"x\"]")).reason());
        assertEquals(0, first.refCnt());
        ByteBuf stray = buffer(new byte[] {2});
        assertEquals(Reason.UNEXPECTED_BINARY,
                assertThrows(SioDecodeException.class, () -> decoder.decodeBinary(stray)).reason());
        assertEquals(0, stray.refCnt());
    }

    @Test
    void resetMidPacketLeavesNothingToRelease() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        ByteBuf first = buffer(new byte[] {1});
        decoder.decodeText(TWO);
        decoder.decodeBinary(first);
        decoder.reset();
        assertEquals(0, first.refCnt());
        assertFalse(decoder.isAwaitingAttachments());
    }

    @Test
    void encodedBuffersAreReleasedOnceOnClose() {
        SioEncoded encoded = countingEncoder.encode(SioPacket.event("/", SioArgs.event("file", new byte[] {7, 8}), 1));
        List<ByteBuf> mine = encoded.retainedAttachments();
        ByteBuf dup = mine.get(0);
        assertEquals(2, dup.refCnt(), "the encoding's reference and mine");
        encoded.close();
        assertEquals(1, dup.refCnt());
        encoded.close();
        assertEquals(1, dup.refCnt(), "a second close releases nothing");
        assertThrows(IllegalStateException.class, encoded::retainedAttachments);
        assertEquals(7, dup.readByte(), "my duplicate outlives the encoding");
        dup.release();
        assertEquals(0, dup.refCnt());
    }

    @Test
    void oneEncodingServesManyRecipients() throws Exception {
        SioPacket packet = SioPacket.event("/room", SioArgs.event("chunk", new byte[] {1, 2, 3}, new byte[] {4}),
                SioPacket.NO_ACK);
        List<ByteBuf> sent = new ArrayList<>();
        String text;
        try (SioEncoded encoded = countingEncoder.encode(packet)) {
            text = encoded.text();
            for (int recipient = 0; recipient < 50; recipient++) {
                assertTrue(encoded.text() == text, "the text is shared, not rebuilt");
                List<ByteBuf> attachments = encoded.retainedAttachments();
                assertEquals(2, attachments.size());
                sent.addAll(attachments);
            }
            // one recipient's transport reading its copy does not move another's
            sent.get(0).skipBytes(3);
            assertEquals(3, sent.get(2).readableBytes());
        }
        assertEquals(50, sent.get(0).refCnt(), "the encoding gave up its reference; 50 recipients hold theirs");
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        for (int recipient = 1; recipient < 50; recipient++) {
            assertNull(decoder.decodeText(text));
            assertNull(decoder.decodeBinary(sent.get(2 * recipient)));
            assertEquals(packet, decoder.decodeBinary(sent.get(2 * recipient + 1)));
        }
        sent.get(0).release();
        sent.get(1).release();
        for (ByteBuf b : sent) {
            assertEquals(0, b.refCnt());
        }
    }

    /**
     * A room broadcast's text is encoded into the transport's bytes once, by the first recipient,
     * and every recipient gets a retained duplicate of those same bytes: no copy per recipient.
     */
    @Test
    void theTextBytesAreEncodedOnceAndShared() {
        java.util.concurrent.atomic.AtomicInteger encodings = new java.util.concurrent.atomic.AtomicInteger();
        SioEncoded.TextEncoding utf8 = (alloc, t) -> {
            encodings.incrementAndGet();
            return alloc.buffer().writeBytes(t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        };
        List<ByteBuf> sent = new ArrayList<>();
        SioEncoded encoded = countingEncoder.encode(SioPacket.event("/", SioArgs.event("load", "é"), SioPacket.NO_ACK));
        for (int recipient = 0; recipient < 50; recipient++) {
            sent.add(encoded.retainedTextBytes(utf8));
        }
        assertEquals(1, encodings.get(), "encoded once for 50 recipients");
        // The same bytes, not copies: a byte changed through one recipient's buffer shows in every other's.
        byte first = sent.get(0).getByte(0);
        sent.get(0).setByte(0, 'X');
        for (ByteBuf b : sent) {
            assertEquals('X', b.getByte(0), "every recipient writes the same bytes");
        }
        sent.get(0).setByte(0, first);
        sent.get(0).skipBytes(3);
        assertEquals("2[\"load\",\"é\"]", sent.get(1).toString(java.nio.charset.StandardCharsets.UTF_8),
                "a duplicate's reading moves no other's");
        assertThrows(IllegalStateException.class, () -> encoded.retainedTextBytes((alloc, t) -> alloc.buffer()),
                "one encoding per packet");
        encoded.close();
        assertThrows(IllegalStateException.class, () -> encoded.retainedTextBytes(utf8));
        assertEquals(50, sent.get(0).refCnt(), "the encoding gave up its reference; 50 recipients hold theirs");
        sent.forEach(ByteBuf::release);
        assertEquals(0, sent.get(0).refCnt());
    }

    @Test
    void theEncodingDoesNotShareThePacketsArrays() {
        byte[] bytes = {1, 2};
        SioPacket packet = SioPacket.ack("/", 4, SioArgs.args(com.fasterxml.jackson.databind.node.BinaryNode.valueOf(bytes)));
        try (SioEncoded encoded = encoder.encode(packet)) {
            bytes[0] = 42;
            List<ByteBuf> attachments = encoded.retainedAttachments();
            assertArrayEquals(new byte[] {1, 2}, ByteBufUtil.getBytes(attachments.get(0)));
            attachments.get(0).release();
        }
    }

    @Test
    void aTextPacketOwnsNothing() {
        SioEncoded encoded = encoder.encode(SioPacket.event("/", SioArgs.event("a", 1), SioPacket.NO_ACK));
        assertFalse(encoded.isBinary());
        assertEquals(List.of(), encoded.retainedAttachments());
        encoded.close();
        assertEquals(List.of(), encoded.retainedAttachments());
    }

    @Test
    void anUnclosedEncodingIsReportedAsALeak() {
        assertEquals(List.of(), LeakRecorder.collect(), "no leak before");
        encodeAndForget();
        List<String> leaks = LeakRecorder.collect();
        assertFalse(leaks.isEmpty(), "a dropped encoding must be reported");
    }

    private void encodeAndForget() {
        encoder.encode(SioPacket.event("/", SioArgs.event("lost", new byte[] {1}), SioPacket.NO_ACK));
    }
}
