package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records every callback as a line ("open", "message hi", "binary 01020304", "close ping timeout"); optionally echoes. */
final class RecordingListener implements EngineListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    final List<String> wrongThread = new CopyOnWriteArrayList<>();
    volatile EngineSocket last;
    private final boolean echo;

    RecordingListener(boolean echo) {
        this.echo = echo;
    }

    private void record(EngineSocket socket, String event) {
        if (!socket.eventLoop().inEventLoop()) {
            wrongThread.add(event);
        }
        events.add(event);
        queue.add(event);
    }

    @Override
    public void onOpen(EngineSocket socket) {
        last = socket;
        record(socket, "open");
    }

    @Override
    public void onMessage(EngineSocket socket, String text) {
        record(socket, "message " + text);
        if (echo) {
            socket.send(text);
        }
    }

    @Override
    public void onBinary(EngineSocket socket, ByteBuf data) {
        record(socket, "binary " + ByteBufUtil.hexDump(data));
        if (echo) {
            socket.send(data);
        } else {
            data.release();
        }
    }

    @Override
    public void onClose(EngineSocket socket, String reason) {
        record(socket, "close " + reason);
    }

    /** The next event within 5 s, or null. */
    String next() throws InterruptedException {
        return queue.poll(5, TimeUnit.SECONDS);
    }
}
