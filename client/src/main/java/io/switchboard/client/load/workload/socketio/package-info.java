/**
 * Socket.IO v5 over Engine.IO v4, client side, on Netty, against any Socket.IO 3/4 server:
 * start at {@link io.switchboard.client.load.workload.socketio.SioWorkload} (options and
 * workloads), then {@code SioConnection} (one client: open, CONNECT, heartbeats, its role),
 * {@code SioWire} (the packet format, parsed in place) and the two transports,
 * {@code WsTransport} and {@code PollingTransport}.
 */
package io.switchboard.client.load.workload.socketio;
