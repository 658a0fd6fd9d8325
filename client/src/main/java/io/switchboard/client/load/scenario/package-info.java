/**
 * Load-test scenario files and threshold checks. {@link io.switchboard.client.load.scenario.Scenario#parse}
 * reads a YAML file of named stages into {@link io.switchboard.client.load.LoadSettings} (the same
 * settings the command line fills), naming the key path of any bad key or value;
 * {@link io.switchboard.client.load.scenario.Checks} parses and evaluates expressions such as
 * {@code hold: p99 < 5ms} against a {@link io.switchboard.client.load.result.RunResult}
 * ({@link io.switchboard.client.load.scenario.Check} documents the language).
 * {@link io.switchboard.client.load.Values} holds the duration spellings shared with the
 * command line. The format is documented in {@code docs/load-testing.md}.
 */
package io.switchboard.client.load.scenario;
