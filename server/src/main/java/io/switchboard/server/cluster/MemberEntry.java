package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** A member entry of a room hash: {@code "<join sequence> <display name>"}. */
record MemberEntry(long seq, String name) {
    static MemberEntry parse(ByteBuf value) {
        String s = value.toString(StandardCharsets.UTF_8);
        int space = s.indexOf(' ');
        if (space < 0) {
            throw new NumberFormatException("no sequence number in '" + s + "'");
        }
        return new MemberEntry(Long.parseLong(s.substring(0, space)), s.substring(space + 1));
    }
}
