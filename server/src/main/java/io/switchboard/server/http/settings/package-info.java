/**
 * The HTTP listener's serving settings (file cache, compression, CORS) as a record with no
 * dependency on the rest of the server, so that the HTTP listener's configuration section
 * ({@code settings.HttpConfig}) can hold it while the {@code http} package depends on that section.
 */
package io.switchboard.server.http.settings;
