package io.switchboard.server.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
 * A WebSocket test client on {@link java.net.http.HttpClient} that queues whole text messages:
 * the /ws bridge's JSON ({@link #connect}, read with {@link #next()} as JSON trees), or Engine.IO
 * packets ({@link #socketIo}: a raw Socket.IO client answering the server's pings, read with
 * {@link #nextText()}). A binary message fails the test.
 */
public final class JavaWsClient implements WebSocket.Listener, AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    public final CompletableFuture<Integer> closed = new CompletableFuture<>();
    public volatile String closeReason;
    private final StringBuilder partial = new StringBuilder();
    private final boolean engineIo;
    public WebSocket ws;
    /** The Socket.IO socket id (its session id), for a {@link #socketIo} client. */
    public String sid;

    /** A /ws bridge client whose {@link #ws} the caller builds (to add a header, say) with it as the listener. */
    public JavaWsClient() {
        this(false);
    }

    private JavaWsClient(boolean engineIo) {
        this.engineIo = engineIo;
    }

    private static JavaWsClient open(int port, String pathAndQuery, boolean engineIo) {
        JavaWsClient client = new JavaWsClient(engineIo);
        client.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + pathAndQuery), client)
                .orTimeout(10, TimeUnit.SECONDS).join();
        return client;
    }

    /** Connects to the /ws bridge with {@code query} (empty, or from {@code ?}). */
    public static JavaWsClient connect(int port, String query) {
        return open(port, "/ws" + query, false);
    }

    /** Connects to the /ws bridge and returns the client with its welcome already read. */
    public static JavaWsClient connect(int port) throws InterruptedException {
        JavaWsClient client = connect(port, "");
        JsonNode welcome = client.next();
        if (!welcome.path("type").asText().equals("welcome")) {
            throw new AssertionError("expected welcome, got " + welcome);
        }
        return client;
    }

    /** A Socket.IO client on the main namespace over a raw Engine.IO WebSocket; returns it connected, with its sid read. */
    public static JavaWsClient socketIo(int port) throws InterruptedException {
        JavaWsClient client = open(port, "/socket.io/?EIO=4&transport=websocket", true);
        String open = client.nextText();
        if (!open.startsWith("0{")) {
            throw new AssertionError("expected an Engine.IO open packet, got " + open);
        }
        client.send("40");
        String connected = client.nextStartingWith("40");
        client.sid = json(connected.substring(2)).path("sid").asText();
        return client;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("the server sent invalid JSON: " + text, e);
        }
    }

    /** The next message, as it came. */
    public String nextText() throws InterruptedException {
        String m = messages.poll(10, TimeUnit.SECONDS);
        assertNotNull(m, "no message within 10 s");
        return m;
    }

    /** The next message, read as JSON. */
    public JsonNode next() throws InterruptedException {
        return json(nextText());
    }

    /** The next JSON message of this type, skipping others. */
    public JsonNode next(String type) throws InterruptedException {
        while (true) {
            JsonNode m = next();
            if (m.path("type").asText().equals(type)) {
                return m;
            }
        }
    }

    /** The next message starting with {@code prefix}, skipping others. */
    public String nextStartingWith(String prefix) throws InterruptedException {
        while (true) {
            String m = nextText();
            if (m.startsWith(prefix)) {
                return m;
            }
        }
    }

    /** The next message containing {@code text}, skipping others. */
    public String nextContaining(String text) throws InterruptedException {
        while (true) {
            String m = nextText();
            if (m.contains(text)) {
                return m;
            }
        }
    }

    public void send(String text) {
        ws.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    public String session(JsonNode welcome) {
        return welcome.get("session").asText();
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
