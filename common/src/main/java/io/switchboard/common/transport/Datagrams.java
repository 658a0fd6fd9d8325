package io.switchboard.common.transport;

import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Datagram operations Netty 4.1 lacks. Transport-specific, so it lives here with the rest of the
 * transport code (revisit on the move to Netty 4.2).
 */
public final class Datagrams {
    private static final Logger log = LogManager.getLogger(Datagrams.class);

    private Datagrams() {
    }

    /**
     * Sends an empty datagram on the channel's own socket, bypassing Netty's write path (which drops
     * empty datagrams). Returns false for a channel this cannot reach (an embedded channel in
     * tests), which then gets the ordinary write. Runs on the event loop.
     */
    public static boolean sendEmpty(Channel channel, InetSocketAddress recipient) {
        try {
            if (channel instanceof UnixChannel && ((UnixChannel) channel).fd() instanceof Socket) {
                ((Socket) ((UnixChannel) channel).fd()).sendTo(EMPTY_DIRECT, 0, 0, recipient.getAddress(),
                        recipient.getPort());
                return true;
            }
            if (channel instanceof AbstractNioChannel && JAVA_CHANNEL != null) {
                Object javaChannel = JAVA_CHANNEL.invoke(channel);
                if (javaChannel instanceof DatagramChannel) {
                    ((DatagramChannel) javaChannel).send(ByteBuffer.allocate(0), recipient);
                    return true;
                }
            }
        } catch (Exception e) {
            log.debug("{} cannot answer an empty datagram from {}: {}", channel, recipient, e.toString());
            return true; // like any failed UDP send: nothing to retry
        }
        return false;
    }

    private static final ByteBuffer EMPTY_DIRECT = ByteBuffer.allocateDirect(0);
    private static final Method JAVA_CHANNEL = javaChannelMethod();

    private static Method javaChannelMethod() {
        try {
            Method method = AbstractNioChannel.class.getDeclaredMethod("javaChannel");
            method.setAccessible(true);
            return method;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("empty datagrams on NIO will not be answered: {}", e.toString());
            return null;
        }
    }

}
