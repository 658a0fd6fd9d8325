/**
 * The framed protocol listener. {@link io.switchboard.server.framed.FramedServerInitializer}
 * wires the pipeline; the wire format itself lives in {@code io.switchboard.common.protocol}.
 */
package io.switchboard.server.framed;
