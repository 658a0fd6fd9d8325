package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.rooms.RoomHub;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FramedSessionHandlerTest {
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    private EmbeddedChannel channel = new EmbeddedChannel(new FramedSessionHandler(42, ServerConfig.builder().build().framedConfig(), hub));

    @AfterEach
    void releaseAll() {
        channel.finishAndReleaseAll();
    }

    private void handshake() {
        channel.writeInbound(new Hello(1, 1, "alice", ""));
        Welcome welcome = channel.readOutbound();
        assertEquals(1, welcome.requestId());
        assertEquals(42, welcome.sessionId());
    }

    private ErrorFrame readError(int requestId, ErrorCode code) {
        ErrorFrame error = assertInstanceOf(ErrorFrame.class, channel.readOutbound());
        assertEquals(requestId, error.requestId(), error.toString());
        assertEquals(code, error.errorCode(), error.toString());
        return error;
    }

    private static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
    }

    @Test
    void welcomeCarriesSessionLimitsAndServerName() {
        channel.writeInbound(new Hello(7, 1, "alice", "tok"));
        Welcome welcome = channel.readOutbound();
        assertEquals(new Welcome(7, 1, 42, Wire.DEFAULT_MAX_FRAME_LENGTH, 60_000, welcome.server()), welcome);
        assertTrue(welcome.server().startsWith("switchboard/"), welcome.server());
    }

    @Test
    void pingAndEchoReplyWithTheSamePayloadAndId() {
        handshake();
        ByteBuf payload = bytes("hello");
        channel.writeInbound(PayloadFrame.of(Opcode.ECHO, 5, payload));
        channel.writeInbound(PayloadFrame.of(Opcode.PING, 6, bytes("p")));
        PayloadFrame echo = channel.readOutbound();
        assertEquals(Opcode.ECHO_REPLY, echo.opcode());
        assertEquals(5, echo.requestId());
        assertTrue(echo.content() == payload, "the reply reuses the request's buffer");
        assertEquals("hello", echo.content().toString(StandardCharsets.UTF_8));
        echo.release();
        PayloadFrame pong = channel.readOutbound();
        assertEquals(Opcode.PONG, pong.opcode());
        assertEquals(6, pong.requestId());
        pong.release();
    }

    @Test
    void requestBeforeHelloIsRefusedAndTheConnectionStaysOpen() {
        ByteBuf payload = bytes("early");
        channel.writeInbound(PayloadFrame.of(Opcode.ECHO, 3, payload));
        readError(3, ErrorCode.HANDSHAKE_REQUIRED);
        assertEquals(0, payload.refCnt(), "refused payload released");
        assertTrue(channel.isOpen());
        handshake();
    }

    @Test
    void wrongVersionIsRefusedAndAHelloWithTheRightOneStillWorks() {
        channel.writeInbound(new Hello(1, 2, "alice", ""));
        readError(1, ErrorCode.UNSUPPORTED_VERSION);
        assertTrue(channel.isOpen());
        handshake();
    }

    @Test
    void nameOverTheLimitIsInvalid() {
        channel.writeInbound(new Hello(1, 1, "x".repeat(Wire.MAX_NAME_BYTES + 1), ""));
        ErrorFrame error = readError(1, ErrorCode.INVALID_ARGUMENT);
        assertTrue(error.message().contains("65"), error.message());
        channel.writeInbound(new Hello(2, 1, "é".repeat(Wire.MAX_NAME_BYTES / 2), ""));
        assertInstanceOf(Welcome.class, channel.readOutbound());
    }

    @Test
    void secondHelloIsRefused() {
        handshake();
        channel.writeInbound(new Hello(9, 1, "again", ""));
        readError(9, ErrorCode.ALREADY_HANDSHAKEN);
        assertTrue(channel.isOpen());
    }

    @Test
    void serverOnlyOpcodesAreUnexpected() {
        handshake();
        channel.writeInbound(new Welcome(4, 1, 1, 1, 1, "x"));
        readError(4, ErrorCode.UNEXPECTED_OPCODE);
        ByteBuf payload = bytes("r");
        channel.writeInbound(PayloadFrame.of(Opcode.ECHO_REPLY, 5, payload));
        readError(5, ErrorCode.UNEXPECTED_OPCODE);
        assertEquals(0, payload.refCnt());
        channel.writeInbound(new ErrorFrame(6, ErrorCode.INTERNAL_ERROR, "client error"));
        readError(6, ErrorCode.UNEXPECTED_OPCODE);
        assertTrue(channel.isOpen());
    }

    @Test
    void pongFromTheClientIsAcceptedSilently() {
        handshake();
        ByteBuf payload = bytes("pong");
        channel.writeInbound(PayloadFrame.of(Opcode.PONG, 0, payload));
        assertNull(channel.readOutbound());
        assertEquals(0, payload.refCnt());
    }

    @Test
    void invalidFramesFromTheDecoderAreAnsweredWithTheirErrors() {
        // Through the real codec: unknown opcode (stays open), then an oversized length (closes).
        channel = new EmbeddedChannel(new FrameDecoder(1024), FrameEncoder.INSTANCE,
                new FramedSessionHandler(1, ServerConfig.builder().maxFrameLength(1024).maxPayloadBytes(512)
                        .idleTimeout(java.time.Duration.ZERO).build().framedConfig(), hub));
        ByteBuf in = Unpooled.buffer();
        in.writeInt(6).writeByte(0x7f).writeByte(0).writeInt(77);
        channel.writeInbound(in);
        ByteBuf out = channel.readOutbound();
        FrameDecoder decoder = new FrameDecoder();
        EmbeddedChannel reader = new EmbeddedChannel(decoder);
        reader.writeInbound(out);
        ErrorFrame unknown = reader.readInbound();
        assertEquals(77, unknown.requestId());
        assertEquals(ErrorCode.UNKNOWN_OPCODE, unknown.errorCode());
        assertTrue(channel.isOpen());

        ByteBuf big = Unpooled.buffer();
        big.writeInt(5000).writeByte(Opcode.ECHO.code()).writeByte(0).writeInt(78);
        channel.writeInbound(big);
        reader.writeInbound((ByteBuf) channel.readOutbound());
        ErrorFrame tooLarge = reader.readInbound();
        assertEquals(ErrorCode.FRAME_TOO_LARGE, tooLarge.errorCode());
        assertEquals(78, tooLarge.requestId());
        assertTrue(tooLarge.message().contains("5000"), tooLarge.message());
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "broken framing closes the connection");
        reader.finishAndReleaseAll();
    }

    @Test
    void byeAnswersEverythingBeforeItThenCloses() {
        handshake();
        channel.writeInbound(PayloadFrame.of(Opcode.ECHO, 1, bytes("a")), new Bye(0, 0, "done"),
                PayloadFrame.of(Opcode.ECHO, 2, bytes("after bye")));
        PayloadFrame reply = channel.readOutbound();
        assertEquals(1, reply.requestId());
        reply.release();
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void idleSessionGetsAnErrorAndIsClosed() {
        handshake();
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        readError(0, ErrorCode.IDLE_TIMEOUT);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }
}
