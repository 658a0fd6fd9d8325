/** The {@code switchboard-client} command line: {@link io.switchboard.client.cli.ClientMain}. */
package io.switchboard.client.cli;
