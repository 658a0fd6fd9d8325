package io.switchboard.server.socketio.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.switchboard.server.TrackingAllocator;
import io.switchboard.testing.LeakRecorder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link SioDecoder} (docs/fuzzing.md): a sequence of Engine.IO
 * messages for one connection, text and binary, given to one decoder.
 *
 * <p>Input layout, so that seeds can be written by hand: byte 0 picks the options (bits 0-1:
 * defaults; reserved events allowed; every limit at its maximum; one attachment, depth 2 and
 * namespaces of 8 characters) and bit 2 hands attachments over as arrays instead of buffers;
 * the rest is messages separated by the record separator {@code 0x1e}; a message starting with
 * {@code 0x01} is a binary message of the bytes after it, any other is a text message (UTF-8).
 *
 * <p>Properties: the only exception is {@link SioDecodeException}, whose message starts with its
 * reason, after which the decoder waits for nothing; every attachment buffer is released, whatever
 * happens; a decoded packet has a logical type, and re-encoded with {@link SioEncoder} it decodes
 * on a fresh decoder to an equal packet, with the attachments it announced; the encoder's buffers
 * are all released by {@link SioEncoded#close()}.
 */
class SioDecoderFuzzTest {
    private static final SioDecoderOptions[] OPTIONS = {
        SioDecoderOptions.defaults(),
        SioDecoderOptions.builder().rejectReservedEvents(false).build(),
        SioDecoderOptions.builder().maxAttachments(SioDecoderOptions.MAX_ATTACHMENTS_LIMIT)
                .maxNestingDepth(SioDecoderOptions.MAX_NESTING_DEPTH_LIMIT).maxNamespaceLength(65_536).build(),
        SioDecoderOptions.builder().maxAttachments(1).maxNestingDepth(2).maxNamespaceLength(8).build(),
    };

    @FuzzTest(maxDuration = "20s")
    void decode(byte[] input) throws SioDecodeException {
        if (input.length == 0) {
            return;
        }
        SioDecoderOptions options = OPTIONS[input[0] & 3];
        boolean arrays = (input[0] & 4) != 0;
        SioDecoder decoder = new SioDecoder(options);
        List<ByteBuf> given = new ArrayList<>();
        try {
            int start = 1;
            for (int i = 1; i <= input.length; i++) {
                if (i < input.length && input[i] != 0x1e) {
                    continue;
                }
                byte[] message = Arrays.copyOfRange(input, start, i);
                start = i + 1;
                SioPacket packet;
                try {
                    if (message.length > 0 && message[0] == 1) {
                        byte[] data = Arrays.copyOfRange(message, 1, message.length);
                        if (arrays) {
                            packet = decoder.decodeBinary(data);
                        } else {
                            ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(Math.max(data.length, 1)).writeBytes(data);
                            given.add(buf);
                            packet = decoder.decodeBinary(buf);
                        }
                    } else {
                        packet = decoder.decodeText(new String(message, UTF_8));
                    }
                } catch (SioDecodeException e) {
                    assertNotNull(e.reason());
                    assertTrue(e.getMessage().startsWith(e.reason() + ": "), e::getMessage);
                    assertFalse(decoder.isAwaitingAttachments(), "a failed decode drops the partial packet");
                    continue;
                }
                if (packet == null) {
                    assertTrue(decoder.isAwaitingAttachments(), "null only while attachments are expected");
                } else {
                    assertFalse(decoder.isAwaitingAttachments());
                    roundTrip(packet, options);
                }
            }
        } finally {
            for (ByteBuf buf : given) {
                assertEquals(0, buf.refCnt(), "an attachment buffer was not released");
            }
        }
        List<String> leaks = LeakRecorder.drain();
        if (!leaks.isEmpty()) {
            fail("leak detector reported (possibly from an earlier input):\n" + String.join("\n", leaks));
        }
    }

    private static void roundTrip(SioPacket packet, SioDecoderOptions options) throws SioDecodeException {
        assertEquals(packet.type().logical(), packet.type(), "a decoded packet has its logical type");
        TrackingAllocator alloc = new TrackingAllocator();
        try (SioEncoded encoded = new SioEncoder(alloc).encode(packet)) {
            SioDecoder fresh = new SioDecoder(options);
            SioPacket back = fresh.decodeText(encoded.text());
            List<ByteBuf> attachments = encoded.retainedAttachments();
            assertEquals(attachments.isEmpty(), back != null, () -> encoded + " of " + packet);
            for (int i = 0; i < attachments.size(); i++) {
                SioPacket p = fresh.decodeBinary(attachments.get(i));
                if (i < attachments.size() - 1) {
                    assertNull(p);
                } else {
                    back = p;
                }
            }
            assertEquals(packet, back, () -> "re-encoded as " + encoded);
        } catch (SioDecodeException e) {
            throw new AssertionError("the re-encoded form of " + packet + " is refused", e);
        }
        assertEquals(0, alloc.unreleased(), "SioEncoded.close() releases every attachment");
    }
}
