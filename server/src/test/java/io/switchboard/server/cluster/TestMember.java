package io.switchboard.server.cluster;

import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Frame;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.Outbound;

/** A member with an id and a name that receives nothing. */
record TestMember(long id, String name) implements Member {
    @Override
    public boolean deliver(Outbound message) {
        return true;
    }

    @Override
    public void deliverReply(Frame reply) {
        ReferenceCountUtil.release(reply);
    }
}
