/** The UDP echo listener: one datagram channel (per listener socket), every datagram back to its sender. */
package io.switchboard.server.udp;
