/**
 * Reloading what comes from files (the TLS certificate, the auth token file) when the files
 * change: {@link io.switchboard.server.reload.FileWatcher}.
 */
package io.switchboard.server.reload;
