package io.switchboard.server.tls;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.switchboard.server.metrics.Metrics;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sits right after the {@code SslHandler}: counts completed and failed handshakes for the
 * listener's metrics, and closes the connection quietly on TLS failures (plaintext on a TLS port,
 * no common protocol version or cipher suite, a handshake timeout, a bad record), which are the
 * peer's doing and logged at DEBUG, instead of letting them reach the protocol handlers as
 * unexpected exceptions. Stateless: one per listener.
 */
@Sharable
final class TlsHandshakeWatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(TlsHandshakeWatcher.class);

    private final Metrics.ListenerCounters counters;

    TlsHandshakeWatcher(Metrics.ListenerCounters counters) {
        this.counters = counters;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent done = (SslHandshakeCompletionEvent) evt;
            counters.tlsHandshake(done.isSuccess());
            if (!done.isSuccess()) {
                log.debug("{} TLS handshake failed: {}", ctx.channel(), done.cause().toString());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isTlsFailure(cause)) {
            log.debug("{} TLS failure, closing: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Whether the exception (or one of its causes) is the TLS layer refusing the peer's bytes. */
    static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof NotSslRecordException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
