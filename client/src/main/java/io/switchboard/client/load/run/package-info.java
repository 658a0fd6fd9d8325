/**
 * The top of the load tool: {@link io.switchboard.client.load.run.LoadRun} runs stages in order,
 * or a capacity search, then the checks. Only the command line depends on it.
 */
package io.switchboard.client.load.run;
