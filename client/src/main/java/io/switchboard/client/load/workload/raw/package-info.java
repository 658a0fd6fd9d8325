/** Raw TCP echo with byte-for-byte verification: {@link io.switchboard.client.load.workload.raw.RawWorkload}. */
package io.switchboard.client.load.workload.raw;
