package io.switchboard.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.SlowConsumerPolicy;
import io.switchboard.server.testing.JavaWsClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The session's JSON handling on an {@link EmbeddedChannel}, after a simulated upgrade. */
class WebSocketSessionTest {
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    private final Metrics metrics = new Metrics();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel session(ServerConfig config) {
        EmbeddedChannel ch = new EmbeddedChannel(WsRequest.Decoder.INSTANCE, new WebSocketSession(config.webSocketConfig(), hub, metrics));
        ch.pipeline().fireUserEventTriggered(new HandshakeComplete("/ws", new DefaultHttpHeaders(), null));
        channels.add(ch);
        assertEquals("welcome", read(ch).get("type").asText());
        return ch;
    }

    private EmbeddedChannel session() {
        return session(ServerConfig.builder().maxRoomsPerSession(2).maxPayloadBytes(16).build());
    }

    private static void send(EmbeddedChannel ch, String json) {
        ch.writeInbound(new TextWebSocketFrame(json));
    }

    private static JsonNode read(EmbeddedChannel ch) {
        Object out = ch.readOutbound();
        TextWebSocketFrame frame = assertInstanceOf(TextWebSocketFrame.class, out, "expected a text message");
        try {
            return JavaWsClient.JSON.readTree(frame.text());
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            frame.release();
        }
    }

    private static JsonNode error(EmbeddedChannel ch, String json) {
        send(ch, json);
        JsonNode error = read(ch);
        assertEquals("error", error.get("type").asText(), error.toString());
        assertTrue(ch.isActive(), "errors keep the connection open");
        return error;
    }

    @Test
    void malformedAndUnknownMessagesAreAnsweredAndCounted() {
        EmbeddedChannel ch = session();
        assertEquals(201, error(ch, "{\"type\":").get("code").asInt());
        assertEquals(201, error(ch, "[1,2]").get("code").asInt());
        assertEquals(201, error(ch, "{\"id\":1}").get("code").asInt());
        assertEquals(201, error(ch, "{\"type\":\"join\",\"id\":-1,\"room\":\"r\"}").get("code").asInt());
        JsonNode unknown = error(ch, "{\"type\":\"fly\",\"id\":7}");
        assertEquals(200, unknown.get("code").asInt());
        assertEquals("UNKNOWN_OPCODE", unknown.get("name").asText());
        assertEquals(7, unknown.get("id").asInt());
        assertTrue(error(ch, "{\"type\":\"nope\"}").get("id").isNull());
        String metricsText = PrometheusText.render(metrics, hub, TransportConfig.resolve(TransportChoice.NIO, null));
        assertTrue(metricsText.lines().anyMatch(l -> l.contains("MALFORMED_BODY") && l.endsWith(" 4")), metricsText);
        assertTrue(metricsText.lines().anyMatch(l -> l.contains("UNKNOWN_OPCODE") && l.endsWith(" 2")), metricsText);
    }

    @Test
    void joinLeaveMembersAndTheirRefusals() {
        EmbeddedChannel ch = session();
        send(ch, "{\"type\":\"hello\",\"name\":\"zoë\",\"id\":1}");
        assertEquals(1, read(ch).get("id").asInt());
        assertEquals(204, error(ch, "{\"type\":\"hello\",\"name\":\"again\"}").get("code").asInt());
        assertEquals(207, error(ch, "{\"type\":\"join\",\"room\":\"\"}").get("code").asInt());
        assertEquals(303, error(ch, "{\"type\":\"join\",\"room\":\"" + "é".repeat(65) + "\"}").get("code").asInt());
        send(ch, "{\"type\":\"join\",\"room\":\"a\"}"); // no id: no ack
        assertNull(ch.readOutbound());
        send(ch, "{\"type\":\"join\",\"room\":\"b\",\"id\":2}");
        assertEquals("ack", read(ch).get("type").asText());
        assertEquals(302, error(ch, "{\"type\":\"join\",\"room\":\"c\"}").get("code").asInt());
        send(ch, "{\"type\":\"members\",\"room\":\"a\",\"id\":3}");
        JsonNode members = read(ch);
        assertEquals("zoë", members.get("members").get(0).get("name").asText());
        assertTrue(members.get("members").get(0).get("session").isTextual());
        assertEquals(301, error(ch, "{\"type\":\"members\",\"room\":\"zz\"}").get("code").asInt());
        assertEquals(300, error(ch, "{\"type\":\"leave\",\"room\":\"zz\"}").get("code").asInt());
        send(ch, "{\"type\":\"leave\",\"room\":\"a\",\"id\":4}");
        assertEquals(4, read(ch).get("id").asInt());
        ch.close();
        assertEquals(0, hub.roomCount(), "closing leaves every room");
    }

    @Test
    void publishChecksRunInTheFramedOrder() {
        EmbeddedChannel ch = session();
        assertEquals(303, error(ch, "{\"type\":\"publish\",\"room\":\"\",\"event\":\"" + "e".repeat(65)
                + "\",\"data\":\"" + "x".repeat(17) + "\"}").get("code").asInt());
        assertEquals(304, error(ch, "{\"type\":\"publish\",\"room\":\"\",\"data\":\"" + "x".repeat(17) + "\"}").get("code").asInt());
        assertEquals(207, error(ch, "{\"type\":\"publish\",\"room\":\"r\",\"peerAck\":true,\"id\":1}").get("code").asInt());
        assertEquals(207, error(ch, "{\"type\":\"publish\",\"room\":\"\"}").get("code").asInt());
        assertEquals(305, error(ch, "{\"type\":\"send\",\"session\":\"42\",\"id\":2}").get("code").asInt());
        assertEquals(201, error(ch, "{\"type\":\"send\",\"session\":\"forty-two\"}").get("code").asInt());
        assertEquals(201, error(ch, "{\"type\":\"publish\",\"room\":\"r\",\"data\":\"%%\",\"encoding\":\"base64\"}").get("code").asInt());
        assertEquals(308, error(ch, "{\"type\":\"ack\",\"id\":99}").get("code").asInt());
        send(ch, "{\"type\":\"publish\",\"room\":\"nobody-here\",\"id\":3}");
        assertEquals("ack", read(ch).get("type").asText(), "a room without members is not an error");
    }

    @Test
    void twoSessionsExchangeEventsTextAndBase64() {
        EmbeddedChannel alice = session();
        EmbeddedChannel bob = session();
        send(alice, "{\"type\":\"join\",\"room\":\"r\",\"presence\":true}");
        send(bob, "{\"type\":\"hello\",\"name\":\"bob\"}");
        send(bob, "{\"type\":\"join\",\"room\":\"r\"}");
        JsonNode joined = read(alice);
        assertEquals("joined", joined.get("type").asText());
        assertEquals("bob", joined.get("name").asText());

        send(bob, "{\"type\":\"publish\",\"room\":\"r\",\"event\":\"chat\",\"data\":\"hi\"}");
        JsonNode event = read(alice);
        assertEquals("hi", event.get("data").asText());
        assertEquals("bob", event.get("name").asText());
        assertFalse(event.has("encoding"));
        assertNull(bob.readOutbound(), "no includeSelf: the publisher gets nothing");

        send(bob, "{\"type\":\"publish\",\"room\":\"r\",\"event\":\"bin\",\"data\":\"/wAB\",\"encoding\":\"base64\",\"includeSelf\":true}");
        for (EmbeddedChannel ch : List.of(alice, bob)) {
            JsonNode bin = read(ch);
            assertEquals("/wAB", bin.get("data").asText());
            assertEquals("base64", bin.get("encoding").asText());
        }
        bob.close();
        assertEquals("left", read(alice).get("type").asText());
    }

    @Test
    void aRoomEventIsRenderedOnceForEveryWebSocketMember() {
        List<EmbeddedChannel> members = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            EmbeddedChannel ch = session();
            send(ch, "{\"type\":\"join\",\"room\":\"once\"}");
            members.add(ch);
        }
        EmbeddedChannel publisher = session();
        send(publisher, "{\"type\":\"publish\",\"room\":\"once\",\"event\":\"e\",\"data\":\"x\"}");
        java.util.Set<Object> buffers = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (EmbeddedChannel ch : members) {
            TextWebSocketFrame frame = assertInstanceOf(TextWebSocketFrame.class, ch.readOutbound());
            try {
                assertEquals("x", JavaWsClient.JSON.readTree(frame.text()).get("data").asText());
                // Each frame's content is a duplicate (leak-aware wrappers around) of the one rendering.
                io.netty.buffer.ByteBuf root = frame.content();
                while (root.unwrap() != null) {
                    root = root.unwrap();
                }
                buffers.add(root);
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                frame.release();
            }
        }
        assertEquals(1, buffers.size(), "one JSON rendering shared by every member");
    }

    @Test
    void peerAckBetweenTwoWebSocketSessions() {
        EmbeddedChannel alice = session();
        EmbeddedChannel bob = session();
        String bobId = Long.toUnsignedString(bobSession(bob));
        send(alice, "{\"type\":\"send\",\"session\":\"" + bobId + "\",\"event\":\"q\",\"data\":\"?\",\"peerAck\":true,\"id\":5}");
        JsonNode question = read(bob);
        assertEquals("session", question.get("target").asText());
        long ackId = question.get("ackId").asLong();
        send(bob, "{\"type\":\"ack\",\"id\":" + ackId + ",\"data\":\"!\"}");
        alice.runPendingTasks();
        JsonNode answer = read(alice);
        assertEquals("ack", answer.get("type").asText());
        assertEquals(5, answer.get("id").asInt());
        assertEquals("!", answer.get("data").asText());
    }

    /** The session id of a session, found through a room. */
    private long bobSession(EmbeddedChannel bob) {
        send(bob, "{\"type\":\"join\",\"room\":\"who\"}");
        List<MemberInfo> members = hub.members("who");
        send(bob, "{\"type\":\"leave\",\"room\":\"who\"}");
        return members.get(0).sessionId();
    }

    @Test
    void binaryMessagesClose1003AndFragmentsOverTheLimit1009() {
        EmbeddedChannel ch = session();
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
        CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, ch.readOutbound());
        assertEquals(1003, close.statusCode());
        close.release();
        assertFalse(ch.isActive());

        EmbeddedChannel big = session();
        big.pipeline().fireExceptionCaught(new TooLongFrameException("content length exceeded"));
        CloseWebSocketFrame tooBig = assertInstanceOf(CloseWebSocketFrame.class, big.readOutbound());
        assertEquals(1009, tooBig.statusCode());
        tooBig.release();
        assertFalse(big.isActive());
    }

    @Test
    void slowConsumersAreDroppedOrDisconnected() {
        for (SlowConsumerPolicy policy : SlowConsumerPolicy.values()) {
            ServerConfig config = ServerConfig.builder().slowConsumerPolicy(policy).build();
            EmbeddedChannel reader = session(config);
            EmbeddedChannel writer = session(config);
            long droppedBefore = hub.dropped();
            send(reader, "{\"type\":\"join\",\"room\":\"r\"}");
            reader.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 2));
            reader.write(new TextWebSocketFrame("{\"unflushed\":\"so the channel is above its high-water mark\"}"));
            assertFalse(reader.isWritable());
            send(writer, "{\"type\":\"publish\",\"room\":\"r\",\"data\":\"x\"}");
            reader.runPendingTasks();
            assertEquals(droppedBefore + 1, hub.dropped(), policy.toString());
            if (policy == SlowConsumerPolicy.DISCONNECT) {
                reader.flush();
                read(reader); // the unflushed message
                JsonNode error = read(reader);
                assertEquals(307, error.get("code").asInt());
                CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, reader.readOutbound());
                assertEquals(1008, close.statusCode());
                close.release();
                assertFalse(reader.isActive());
            } else {
                assertTrue(reader.isActive());
            }
            releaseEverything();
            channels.clear();
        }
    }

    /** Replies routed by the hub (a timed-out peer ack, say) become error or ack messages. */
    @Test
    void routedRepliesBecomeMessages() {
        EmbeddedChannel ch = session();
        Member self = hub.session(bobSession(ch));
        self.deliverReply(new ErrorFrame(9, ErrorCode.ACK_TIMEOUT, "too slow"));
        ch.runPendingTasks();
        JsonNode error = read(ch);
        assertEquals(306, error.get("code").asInt());
        assertEquals(9, error.get("id").asInt());
        ByteBuf payload = Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8);
        self.deliverReply(new Ack(10, payload));
        ch.runPendingTasks();
        assertEquals("ok", read(ch).get("data").asText());
        assertEquals(0, payload.refCnt(), "the reply is released");
    }
}
