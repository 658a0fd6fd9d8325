package io.switchboard.server.framed;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.Version;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.settings.FramedConfig;
import java.util.function.BiConsumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * HELLO: the protocol version, the session's name and the auth token, in that order. An accepted
 * HELLO registers the session (with the grant of a signed token, if it carried one) and is
 * answered WELCOME with the limits the client must keep to; a refused token ({@code
 * Authenticator.admit}), or a HELLO during shutdown, closes the connection. Before it, every other
 * request is answered HANDSHAKE_REQUIRED. A later HELLO with a fresh signed token refreshes the
 * session's (WELCOME again, or ERROR 403 and the old token stays).
 */
final class FramedHandshake {
    private static final Logger log = LogManager.getLogger(FramedHandshake.class);

    private final FramedConfig config;
    private final Session session;
    private final Authenticator auth;
    private final FramedConnection lifecycle;
    private final BiConsumer<ChannelHandlerContext, Frame> reply;

    /** {@code reply} writes an answer in order with the session's other replies. */
    FramedHandshake(Authenticator auth, FramedConnection lifecycle, BiConsumer<ChannelHandlerContext, Frame> reply) {
        this.config = lifecycle.config;
        this.session = lifecycle.session;
        this.auth = auth;
        this.lifecycle = lifecycle;
        this.reply = reply;
    }

    /** Whether {@code frame} is a request for the session: HELLO is handled here, and nothing else comes before it. */
    boolean admit(ChannelHandlerContext ctx, Frame frame) {
        if (frame instanceof Hello hello) {
            Frame answer = hello(ctx, hello);
            if (answer != null) {
                reply.accept(ctx, answer);
            }
            return false;
        }
        if (!lifecycle.handshaken()) {
            ReferenceCountUtil.release(frame);
            reply.accept(ctx, new ErrorFrame(frame.requestId(), ErrorCode.HANDSHAKE_REQUIRED,
                    frame.opcode() + " before HELLO: send HELLO first"));
            return false;
        }
        return true;
    }

    /** The answer to {@code hello}: WELCOME or an ERROR; {@code null} when the connection was closed instead. */
    private Frame hello(ChannelHandlerContext ctx, Hello hello) {
        if (lifecycle.draining() && !lifecycle.handshaken()) {
            lifecycle.closeWith(ctx, error(hello, ErrorCode.SHUTTING_DOWN, "the server is shutting down"));
            return null;
        }
        if (lifecycle.handshaken()) {
            if (session.grant() != null && !hello.token().isEmpty()) {
                return refresh(hello);
            }
            return error(hello, ErrorCode.ALREADY_HANDSHAKEN, "the handshake is already done");
        }
        if (hello.version() != Wire.PROTOCOL_VERSION) {
            return error(hello, ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version()
                    + " is not supported (expected: " + Wire.PROTOCOL_VERSION + ")");
        }
        try {
            session.name(hello.name());
        } catch (Refused e) {
            return new ErrorFrame(hello.requestId(), e.code(), e.getMessage());
        }
        try {
            session.authenticate(auth.admit(hello.token()));
        } catch (Refused e) {
            log.debug("{} refused ({}): {}", ctx.channel(), e.cause(), e.getMessage());
            lifecycle.closeWith(ctx, new ErrorFrame(hello.requestId(), e.code(), e.getMessage()));
            return null;
        }
        lifecycle.handshakeDone();
        session.register();
        log.debug("{} session {} started by '{}'", ctx.channel(), session.id(), session.name());
        return welcome(hello);
    }

    /**
     * A HELLO after the handshake from a session with a signed token, carrying a fresh one: the
     * token is replaced (WELCOME again, same session) or refused (ERROR 403, the old one stays).
     */
    private Frame refresh(Hello hello) {
        try {
            session.refresh(auth.refresh(hello.token()));
        } catch (Refused e) {
            return new ErrorFrame(hello.requestId(), e.code(), e.getMessage());
        }
        return welcome(hello);
    }

    private Welcome welcome(Hello hello) {
        return new Welcome(hello.requestId(), Wire.PROTOCOL_VERSION, session.id(), config.maxFrameLength(),
                (int) config.idleTimeout().toMillis(), Version.product());
    }

    private static ErrorFrame error(Hello hello, ErrorCode code, String message) {
        return new ErrorFrame(hello.requestId(), code, message);
    }
}
