/**
 * {@code switchboard-client admin ...}: the server's admin API (docs/admin-api.md) from the
 * command line, as tables or (with {@code --json}) the API's own JSON.
 */
package io.switchboard.client.cli.admin;
