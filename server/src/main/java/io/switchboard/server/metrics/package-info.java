/** Counters of every listener and their Prometheus text rendering, served at {@code /metrics}. */
package io.switchboard.server.metrics;
