/**
 * HTTP responses: {@link io.switchboard.server.http.response.HttpResponses} builds, counts and
 * sends every response of the HTTP listener, its WebSocket bridge included. A package of its own
 * below {@code http} so that the protocols the HTTP initializer wires in (WebSocket, Socket.IO)
 * can answer in HTTP without depending on the initializer that depends on them.
 */
package io.switchboard.server.http.response;
