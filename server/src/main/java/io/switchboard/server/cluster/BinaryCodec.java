package io.switchboard.server.cluster;

import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/**
 * Keys as byte arrays, values as Netty buffers written straight into Lettuce's command buffer
 * (no intermediate array for an event's payload). The codec never releases a value: whoever
 * issues the command releases it when the command completes, so that a command Lettuce writes
 * again after a reconnect still has its bytes. Values read back are unpooled heap buffers that
 * need no release.
 */
final class BinaryCodec implements RedisCodec<byte[], ByteBuf>, ToByteBufEncoder<byte[], ByteBuf> {
    static final BinaryCodec INSTANCE = new BinaryCodec();

    private BinaryCodec() {
    }

    @Override
    public byte[] decodeKey(ByteBuffer bytes) {
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    @Override
    public ByteBuf decodeValue(ByteBuffer bytes) {
        return Unpooled.wrappedBuffer(decodeKey(bytes));
    }

    @Override
    public ByteBuffer encodeKey(byte[] key) {
        return ByteBuffer.wrap(key);
    }

    @Override
    public ByteBuffer encodeValue(ByteBuf value) {
        return value.nioBuffer();
    }

    @Override
    public void encodeKey(byte[] key, ByteBuf target) {
        target.writeBytes(key);
    }

    @Override
    public void encodeValue(ByteBuf value, ByteBuf target) {
        target.writeBytes(value, value.readerIndex(), value.readableBytes());
    }

    @Override
    public int estimateSize(Object keyOrValue) {
        if (keyOrValue instanceof byte[] bytes) {
            return bytes.length;
        }
        return keyOrValue instanceof ByteBuf buf ? buf.readableBytes() : 0;
    }

    @Override
    public boolean isEstimateExact() {
        return true;
    }
}
