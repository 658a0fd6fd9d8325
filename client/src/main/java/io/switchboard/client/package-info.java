/**
 * The Switchboard client library. Start with {@link io.switchboard.client.SwitchboardClient} and
 * {@link io.switchboard.client.ClientOptions}. The command line lives in {@code cli}.
 */
package io.switchboard.client;
