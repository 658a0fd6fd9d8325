/**
 * What server and client share. Start with {@link io.switchboard.common.protocol.FrameDecoder}
 * for the wire format and {@link io.switchboard.common.transport.TransportConfig} for the choice
 * of epoll, kqueue or NIO.
 */
package io.switchboard.common;
