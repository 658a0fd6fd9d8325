package io.switchboard.client.load.workload.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The load tool's WebSocket frames, made in place in the packet's own buffer: a server's decoder
 * (netty's, which requires masked client frames) reads back the packet, at each length form's
 * bounds and for every remainder of the 4-byte mask; without room for the header nothing changes.
 */
class WsFramingTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    @Test
    void framesMadeInPlaceDecodeAsTheServerReadsThem() {
        int[] sizes = {0, 1, 2, 3, 4, 5, 125, 126, 127, 65535, 65536, 70001};
        for (int mask : new int[] {0, 0x12345678, 0xFFFFFFFF, 0x80000001}) {
            for (int size : sizes) {
                StringBuilder text = new StringBuilder(size);
                for (int i = 0; i < size; i++) {
                    text.append((char) ('a' + i % 26));
                }
                byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
                ByteBuf packet = ALLOC.buffer(WsTransport.HEADROOM + size);
                packet.writerIndex(WsTransport.HEADROOM).readerIndex(WsTransport.HEADROOM).writeBytes(bytes);
                assertTrue(WsTransport.frameInPlace(packet, mask));
                EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameDecoder(WebSocketDecoderConfig.newBuilder()
                        .expectMaskedFrames(true).maxFramePayloadLength(1 << 20).build()));
                server.writeInbound(packet);
                TextWebSocketFrame frame = server.readInbound();
                try {
                    assertTrue(frame.isFinalFragment());
                    assertEquals(text.toString(), frame.text(), "size " + size + ", mask " + mask);
                } finally {
                    frame.release();
                }
                assertNull(server.readInbound());
                assertFalse(server.finishAndReleaseAll());
            }
        }
    }

    @Test
    void withoutRoomForTheHeaderNothingChanges() {
        ByteBuf packet = ALLOC.buffer(16).writeBytes("42[\"a\"]".getBytes(StandardCharsets.US_ASCII));
        assertFalse(WsTransport.frameInPlace(packet, 0x12345678));
        assertEquals("42[\"a\"]", packet.toString(StandardCharsets.US_ASCII));
        packet.release();
        ByteBuf big = ALLOC.buffer(200).writerIndex(5).readerIndex(5).writeBytes(new byte[130]);
        assertFalse(WsTransport.frameInPlace(big, 1), "a 130-byte packet needs 8 bytes of header");
        assertEquals(5, big.readerIndex());
        big.release();
    }
}
