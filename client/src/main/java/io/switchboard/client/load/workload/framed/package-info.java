/**
 * The Switchboard framed protocol under load (ECHO, PING, PUBLISH with ACK):
 * {@link io.switchboard.client.load.workload.framed.FramedWorkload}.
 */
package io.switchboard.client.load.workload.framed;
