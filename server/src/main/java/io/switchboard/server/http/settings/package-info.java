/**
 * The HTTP listener's serving settings (file cache, compression, CORS) as a record with no
 * dependency on the rest of the server, so that the server's configuration can hold it while the
 * {@code http} package depends on that configuration.
 */
package io.switchboard.server.http.settings;
