package io.switchboard.client.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One request to the admin API with {@link HttpClient}: the JSON answer, or an {@link AdminError}. */
final class AdminHttpClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The API answered with an error status (its JSON {@code error}), or could not be reached. */
    static final class AdminError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        AdminError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private final URI base;
    private final String token;
    private final Duration timeout;

    AdminHttpClient(URI base, String token, Duration timeout) {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
    }

    /** A path segment, percent-encoded (room names may hold anything). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A query parameter value, percent-encoded. */
    static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    JsonNode get(String path) throws AdminError {
        return send("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) throws AdminError {
        return send("POST", path, body);
    }

    private JsonNode send(String method, String path, JsonNode body) throws AdminError {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                    .header("Authorization", "Bearer " + token).header("Accept", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } catch (IOException | IllegalArgumentException e) {
            throw new AdminError(0, "bad request " + path + ": " + e.getMessage());
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response;
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AdminError(0, "cannot reach the admin API at " + base + ": " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminError(0, "interrupted");
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AdminError(response.statusCode(), "HTTP " + response.statusCode() + " with a body that is not JSON");
        }
        if (response.statusCode() != 200) {
            throw new AdminError(response.statusCode(), "HTTP " + response.statusCode() + ": "
                    + answer.path("error").asText("(no message)"));
        }
        return answer;
    }
}
