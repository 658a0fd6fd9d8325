package io.switchboard.server.socketio.protocol;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/** Helpers for the Socket.IO protocol tests. */
final class SioTestSupport {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SioTestSupport() {
    }

    /** Jackson's own reading of {@code json}, as the expected value. */
    static JsonNode json(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    /** A pooled direct buffer holding {@code bytes}, tracked by the leak detector. */
    static ByteBuf buffer(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    /**
     * Feeds a text message and its attachments (as pooled buffers) to {@code decoder}, checking
     * that the packet comes exactly with the last message.
     */
    static SioPacket decode(SioDecoder decoder, String text, byte[]... attachments) throws SioDecodeException {
        SioPacket packet = decoder.decodeText(text);
        for (byte[] attachment : attachments) {
            assertNull(packet, "packet before its last attachment");
            packet = decoder.decodeBinary(buffer(attachment));
        }
        assertNotNull(packet, "no packet after the last message");
        return packet;
    }

    /** Decodes what {@code encoded} would send to one recipient. */
    static SioPacket decode(SioDecoder decoder, SioEncoded encoded) throws SioDecodeException {
        SioPacket packet = decoder.decodeText(encoded.text());
        for (ByteBuf attachment : encoded.retainedAttachments()) {
            assertNull(packet, "packet before its last attachment");
            packet = decoder.decodeBinary(attachment);
        }
        assertNotNull(packet, "no packet after the last message");
        return packet;
    }

    /** The bytes of each attachment of {@code encoded}, read through one recipient's duplicates. */
    static List<byte[]> attachmentBytes(SioEncoded encoded) {
        List<byte[]> out = new ArrayList<>();
        for (ByteBuf b : encoded.retainedAttachments()) {
            try {
                out.add(ByteBufUtil.getBytes(b));
            } finally {
                b.release();
            }
        }
        return out;
    }
}
