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
 *
 * <p>In a session, per connection:
 * <pre>{@code
 * SioDecoder decoder = new SioDecoder(options);          // options: one per server
 * void onEngineText(String s)  { handle(() -> decoder.decodeText(s)); }
 * void onEngineBinary(ByteBuf b) { handle(() -> decoder.decodeBinary(b)); }   // b is released by the decoder
 * void handle(Call call) {
 *     try {
 *         SioPacket p = call.run();
 *         if (p != null) dispatch(p);                    // null: attachments still to come
 *     } catch (SioDecodeException e) {
 *         refused.labels(e.reason().label()).inc();
 *         close(e.getMessage());
 *     }
 * }
 * }</pre>
 * and to send, once for any number of recipients: {@code try (SioEncoded w = encoder.encode(p)) {...}}
 * (see {@link io.switchboard.server.socketio.protocol.SioEncoded}).
 */
package io.switchboard.server.socketio.protocol;
