package io.switchboard.server.ws;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A WebSocket test client on {@link java.net.http.HttpClient}: queues messages as JSON trees. */
final class JavaWsClient implements WebSocket.Listener, AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    volatile String closeReason;
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    static JavaWsClient connect(int port, String query) {
        JavaWsClient client = new JavaWsClient();
        client.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws" + query), client)
                .orTimeout(10, TimeUnit.SECONDS).join();
        return client;
    }

    /** Connects and returns the client with its welcome already read. */
    static JavaWsClient connect(int port) throws InterruptedException {
        JavaWsClient client = connect(port, "");
        JsonNode welcome = client.next();
        if (!welcome.path("type").asText().equals("welcome")) {
            throw new AssertionError("expected welcome, got " + welcome);
        }
        return client;
    }

    JsonNode next() throws InterruptedException {
        JsonNode m = messages.poll(10, TimeUnit.SECONDS);
        assertNotNull(m, "no message within 10 s");
        return m;
    }

    /** The next message of this type, skipping others. */
    JsonNode next(String type) throws InterruptedException {
        while (true) {
            JsonNode m = next();
            if (m.path("type").asText().equals(type)) {
                return m;
            }
        }
    }

    void send(String json) {
        ws.sendText(json, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    String session(JsonNode welcome) {
        return welcome.get("session").asText();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                messages.add(JSON.readTree(partial.toString()));
            } catch (Exception e) {
                throw new AssertionError("server sent invalid JSON: " + partial, e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        throw new AssertionError("the server sent a binary message");
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
