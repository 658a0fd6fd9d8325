/**
 * Authentication of framed and WebSocket sessions by shared tokens:
 * {@link io.switchboard.server.auth.AuthTokens}.
 */
package io.switchboard.server.auth;
