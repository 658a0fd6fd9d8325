/**
 * The workload SPI: a {@link io.switchboard.client.load.workload.Workload} opens connections, a
 * {@link io.switchboard.client.load.workload.LoadConnection} writes one request per
 * {@code send(token)}, and the engine's {@link io.switchboard.client.load.workload.ConnectionContext}
 * hears about completions by token. {@link io.switchboard.client.load.workload.Workloads} maps a
 * protocol to its workload; each protocol has a package of its own below this one.
 */
package io.switchboard.client.load.workload;
