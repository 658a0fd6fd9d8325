/**
 * HTTP/1.1 keep-alive load with pipelining against any server:
 * {@link io.switchboard.client.load.workload.http.HttpWorkload} and its lean response parser.
 */
package io.switchboard.client.load.workload.http;
