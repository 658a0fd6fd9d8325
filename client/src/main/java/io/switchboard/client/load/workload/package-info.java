/**
 * The workload SPI: a {@link io.switchboard.client.load.workload.Workload} opens connections, a
 * {@link io.switchboard.client.load.workload.LoadConnection} writes one request per
 * {@code send(token)}, and the engine's {@link io.switchboard.client.load.workload.ConnectionContext}
 * hears about completions by token. {@link io.switchboard.client.load.engine.Workloads} maps a
 * protocol to its workload; each protocol has a package of its own below this one. A stream
 * workload with TLS on puts {@link io.switchboard.client.load.workload.LoadTls} first in each
 * pipeline (the stage's one TLS context, from {@link io.switchboard.client.load.workload.WorkloadSetup#tls()}):
 * its handlers then see {@code channelActive} only after the handshake, exactly as without TLS.
 */
package io.switchboard.client.load.workload;
