/**
 * The framed protocol listener. {@link io.switchboard.server.framed.FramedServerInitializer}
 * wires the pipeline; the wire format itself lives in {@code io.switchboard.common.protocol}.
 * {@link io.switchboard.server.framed.FramedSessionHandler} translates frames to and from the
 * session core; {@link io.switchboard.server.framed.FramedHandshake} answers HELLO (and a refresh
 * HELLO with a fresh signed token), and {@link
 * io.switchboard.server.framed.FramedConnection} (its base) keeps the connection's life: idle,
 * drain, disconnects, failures and the close.
 */
package io.switchboard.server.framed;
