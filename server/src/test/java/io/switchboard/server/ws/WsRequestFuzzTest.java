package io.switchboard.server.ws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.ws.WsJson.BadMessage;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the WebSocket bridge's message parser (docs/fuzzing.md): the input,
 * decoded as UTF-8 as a text frame is, goes to {@link WsRequest#parse} and then through every
 * field accessor of {@link WsJson} that {@code WebSocketSession} uses.
 *
 * <p>Properties: nothing throws but {@link BadMessage}; a refused message is a {@link WsRequest}
 * with no body or type and a {@link BadMessage} of code 201 MALFORMED_BODY (docs/websocket.md,
 * "Errors"), keeping the id when it was read; an accepted one is a JSON object whose id, when
 * present, is an integer 0..4294967295 and whose type is the {@code type} string; the accessors
 * fail only with 201 and a non-empty message, and {@code data} in base64 decodes to what the JDK's
 * own decoder gives.
 */
class WsRequestFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) {
        String text = new String(input, UTF_8);
        WsRequest request = WsRequest.parse(text);
        assertNotNull(request);
        if (request.malformed() != null) {
            assertNull(request.body());
            assertNull(request.type());
            assertBad(request.malformed());
            if (request.id() != null) {
                assertTrue(request.id() >= 0 && request.id() <= WsJson.MAX_ID, request::toString);
            }
            return;
        }
        JsonNode body = request.body();
        assertTrue(body != null && body.isObject(), request::toString);
        JsonNode id = body.get("id");
        if (id == null || id.isNull()) {
            assertNull(request.id());
        } else {
            assertTrue(id.isIntegralNumber(), request::toString);
            assertEquals(id.asLong(), request.id());
            assertTrue(request.id() >= 0 && request.id() <= WsJson.MAX_ID, request::toString);
        }
        JsonNode type = body.get("type");
        assertEquals(type != null && type.isTextual() ? type.textValue() : null, request.type());

        for (String field : new String[] {"type", "room", "name", "event"}) {
            try {
                String value = WsJson.string(body, field, null);
                assertEquals(body.get(field).textValue(), value);
            } catch (BadMessage e) {
                assertBad(e);
            }
        }
        for (String field : new String[] {"presence", "peerAck", "includeSelf"}) {
            try {
                WsJson.flag(body, field);
            } catch (BadMessage e) {
                assertBad(e);
            }
        }
        try {
            long session = WsJson.session(body, "session");
            JsonNode s = body.get("session");
            assertTrue(s.isTextual() ? Long.toUnsignedString(session).equals(s.textValue().replaceFirst("^\\+", "")
                    .replaceFirst("^0+(?=.)", "")) : session >= 0, () -> "session " + s + " read as " + session);
        } catch (BadMessage e) {
            assertBad(e);
        }
        try {
            byte[] data = WsJson.data(body);
            String encoding = body.path("encoding").asText("utf-8");
            if ("base64".equals(encoding)) {
                assertTrue(Arrays.equals(java.util.Base64.getDecoder().decode(body.path("data").asText("")), data));
            }
        } catch (BadMessage e) {
            assertBad(e);
        }
    }

    private static void assertBad(BadMessage e) {
        assertEquals(ErrorCode.MALFORMED_BODY, e.code, e::getMessage);
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
