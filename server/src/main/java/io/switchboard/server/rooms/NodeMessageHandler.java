package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;

/**
 * Handles what another node sent on one topic through {@link RoomHub#sendToAllNodes} or
 * {@link RoomHub#sendToNode}: the cluster-wide operations of the layers above the rooms
 * (Socket.IO's {@code fetchSockets}, {@code socketsJoin}, recovery on another node). Called on
 * the broker's thread: it must not block.
 */
@FunctionalInterface
public interface NodeMessageHandler {
    /** {@code body} is readable during the call only (not owned: copy what is kept). */
    void onMessage(int originNode, ByteBuf body);
}
