/**
 * TLS for the framed and HTTP (and so WebSocket) listeners: {@link io.switchboard.server.tls.ServerTls}
 * loads the PEM certificate chain and PKCS#8 key, applies {@link io.switchboard.common.tls.TlsPolicy},
 * reloads the certificate when its files change, and adds the TLS handlers to a pipeline.
 */
package io.switchboard.server.tls;
