/** The raw TCP echo listener: every byte back, in order, with bounded buffering. */
package io.switchboard.server.echo;
