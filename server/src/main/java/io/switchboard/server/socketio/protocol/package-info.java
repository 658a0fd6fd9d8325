/**
 * The Socket.IO v5 packet layer, independent of the transport: Engine.IO message strings and
 * binary attachments in, {@link io.switchboard.server.socketio.protocol.SioPacket}s out, and back.
 *
 * <p>Start with {@link io.switchboard.server.socketio.protocol.SioDecoder} (the wire format and
 * the malformed-input rules, one per connection), {@link io.switchboard.server.socketio.protocol.SioEncoder}
 * and {@link io.switchboard.server.socketio.protocol.SioEncoded} (encode once, send to many, and
 * who releases what), and {@link io.switchboard.server.socketio.protocol.SioArgs} for building
 * arguments from Java values. Binary data travels inside the JSON tree as Jackson
 * {@link com.fasterxml.jackson.databind.node.BinaryNode}s, so packets own no buffers.
 */
package io.switchboard.server.socketio.protocol;
