package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/** Redis key and channel names (docs/cluster.md, "What is in Redis"). */
final class Names {
    static final byte[] NODES = bytes("sb:nodes");
    static final byte[] ALL = bytes("sb:all");
    static final String ROOM_CHANNEL_PREFIX = "sb:r:";

    private Names() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] roomChannel(String room) {
        return bytes(ROOM_CHANNEL_PREFIX + room);
    }

    static byte[] roomKey(String room) {
        return bytes("sb:room:" + room);
    }

    static byte[] nodeKey(int node) {
        return bytes("sb:node:" + node);
    }

    static byte[] nodeRoomsKey(int node) {
        return bytes("sb:node:" + node + ":rooms");
    }

    static byte[] nodeChannel(int node) {
        return bytes("sb:n:" + node);
    }

    static byte[] reapLock(int node) {
        return bytes("sb:reap:" + node);
    }

    static ByteBuf decimal(long n) {
        return Unpooled.wrappedBuffer(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
    }

    static ByteBuf value(String s) {
        return Unpooled.wrappedBuffer(bytes(s));
    }
}
