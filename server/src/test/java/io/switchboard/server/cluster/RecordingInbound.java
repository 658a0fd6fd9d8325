package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.server.rooms.ClusterInbound;
import io.switchboard.server.rooms.Member;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.function.BiConsumer;

/** A {@link ClusterInbound} that writes down each call as a line (and releases what it is handed). */
final class RecordingInbound implements ClusterInbound {
    final List<String> calls = new ArrayList<>();
    /** The local sessions {@link #deliverRemoteSession} finds. */
    final Set<Long> sessions = new HashSet<>();
    /** Local memberships: room → members. */
    final Map<String, List<Member>> memberships = new LinkedHashMap<>();

    private static String text(ByteBuf b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void deliverRemoteRoom(String room, Event event) {
        try {
            calls.add("room " + room + " " + event.event() + " from " + event.senderId() + ": " + text(event.content()));
        } finally {
            event.release();
        }
    }

    @Override
    public void deliverRemoteAll(Event event) {
        try {
            calls.add("all " + event.event() + " from " + event.senderId() + ": " + text(event.content()));
        } finally {
            event.release();
        }
    }

    @Override
    public boolean deliverRemoteSession(long sessionId, Event event, int originNode, Duration timeout,
            EventExecutor timer) {
        try {
            calls.add("session " + sessionId + " " + event.event() + " relay " + event.requestId() + " flags "
                    + event.flags() + " from node " + originNode + ": " + text(event.content()));
            return sessions.contains(sessionId);
        } finally {
            event.release();
        }
    }

    @Override
    public void deliverRemotePresence(Opcode opcode, String room, long sessionId, String name) {
        calls.add(opcode + " " + room + " " + sessionId + " " + name);
    }

    @Override
    public boolean remotePeerAck(int relayId, long recipientId, ByteBuf payload) {
        try {
            calls.add("peerAck " + relayId + " " + recipientId + ": " + text(payload));
            return true;
        } finally {
            payload.release();
        }
    }

    @Override
    public void remotePeerRefused(int relayId, long recipientId, ErrorCode code) {
        calls.add("refused " + relayId + " " + recipientId + " " + code);
    }

    @Override
    public void forEachMembership(BiConsumer<String, Member> action) {
        memberships.forEach((room, members) -> members.forEach(m -> action.accept(room, m)));
    }

    @Override
    public boolean isMember(String room, long sessionId) {
        return memberships.getOrDefault(room, List.of()).stream().anyMatch(m -> m.id() == sessionId);
    }
}
