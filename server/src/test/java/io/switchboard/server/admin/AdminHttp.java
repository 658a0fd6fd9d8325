package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Requests to an admin listener over loopback with {@link HttpClient}; answers parsed as JSON. */
final class AdminHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    /** A response: its status, its JSON body, and its headers. */
    record Answer(int status, JsonNode body, java.net.http.HttpHeaders headers) {
    }

    AdminHttp(InetSocketAddress address, String token) {
        this.base = "http://127.0.0.1:" + address.getPort();
        this.token = token;
    }

    AdminHttp withToken(String other) {
        return new AdminHttp(new InetSocketAddress(Integer.parseInt(base.substring(base.lastIndexOf(':') + 1))), other);
    }

    Answer get(String path) throws Exception {
        return send("GET", path, null);
    }

    Answer post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    Answer send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("content-type").orElse(""),
                method + " " + path + ": " + r.body());
        return new Answer(r.statusCode(), JSON.readTree(r.body()), r.headers());
    }

    /** A 200 answer's body. */
    JsonNode ok(String method, String path, String body) throws Exception {
        Answer a = send(method, path, body);
        assertEquals(200, a.status(), method + " " + path + ": " + a.body());
        return a.body();
    }

    /** An error answer: its status is {@code status} and its body says so. */
    JsonNode error(int status, String method, String path, String body) throws Exception {
        Answer a = send(method, path, body);
        assertEquals(status, a.status(), method + " " + path + ": " + a.body());
        assertEquals(status, a.body().path("status").asInt(), a.body().toString());
        assertEquals(true, a.body().path("error").isTextual(), a.body().toString());
        return a.body();
    }
}
