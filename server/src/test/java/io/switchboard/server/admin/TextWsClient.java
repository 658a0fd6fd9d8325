package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client on {@link HttpClient} that queues whole text messages: the /ws bridge's JSON,
 * or Engine.IO packets (a raw Socket.IO client: {@link #socketIo}, answering the server's pings).
 */
final class TextWsClient implements WebSocket.Listener, AutoCloseable {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile String closeReason;
    private final StringBuilder partial = new StringBuilder();
    private final boolean engineIo;
    WebSocket ws;

    private TextWsClient(boolean engineIo) {
        this.engineIo = engineIo;
    }

    static TextWsClient connect(int port, String path, boolean engineIo) {
        TextWsClient client = new TextWsClient(engineIo);
        client.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), client)
                .orTimeout(10, TimeUnit.SECONDS).join();
        return client;
    }

    /** A Socket.IO client on the main namespace over a raw Engine.IO WebSocket; returns it connected, with its sid read. */
    static TextWsClient socketIo(int port) throws InterruptedException {
        TextWsClient client = connect(port, "/socket.io/?EIO=4&transport=websocket", true);
        String open = client.next();
        if (!open.startsWith("0{")) {
            throw new AssertionError("expected an Engine.IO open packet, got " + open);
        }
        client.send("40");
        String connected = client.nextStartingWith("40");
        try {
            client.sid = AdminHttp.JSON.readTree(connected.substring(2)).path("sid").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(connected, e);
        }
        return client;
    }

    /** The Socket.IO socket id (its session id), for a {@link #socketIo} client. */
    String sid;

    String next() throws InterruptedException {
        String m = messages.poll(10, TimeUnit.SECONDS);
        assertNotNull(m, "no message within 10 s");
        return m;
    }

    String nextStartingWith(String prefix) throws InterruptedException {
        while (true) {
            String m = next();
            if (m.startsWith(prefix)) {
                return m;
            }
        }
    }

    /** The next message containing {@code text}, skipping others. */
    String nextContaining(String text) throws InterruptedException {
        while (true) {
            String m = next();
            if (m.contains(text)) {
                return m;
            }
        }
    }

    void send(String text) {
        ws.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String m = partial.toString();
            partial.setLength(0);
            if (engineIo && m.equals("2")) {
                webSocket.sendText("3", true); // pong
            } else {
                messages.add(m);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        ws.abort();
    }
}
