/** The TLS versions and cipher suites the server and the client agree on ({@link io.switchboard.common.tls.TlsPolicy}). */
package io.switchboard.common.tls;
