package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** A static root to serve, and a strict reader of raw HTTP/1.1 responses. */
final class HttpTestSupport {
    static final String SECRET = "top secret: outside the root";
    static final String HELLO = "hello, world\n";
    static final String INDEX = "<!DOCTYPE html><title>sub</title>sub index\n";
    static final String ROOT_INDEX = "<!DOCTYPE html><title>root</title>root index\n";

    private HttpTestSupport() {
    }

    /**
     * Makes {@code base/root} with hello.txt, style.css, data.bin ({@code binSize} random bytes),
     * noext, index.html, sub/index.html, empty/ (no index), a file literally named {@code %2e%2e},
     * alias.txt (a symlink to hello.txt inside the root), escape.txt and escapedir (symlinks to a
     * secret file and to the directory outside the root), and {@code base/secret.txt} outside it.
     */
    static Path makeRoot(Path base, int binSize) throws IOException {
        Path root = Files.createDirectories(base.resolve("root"));
        Files.writeString(base.resolve("secret.txt"), SECRET);
        Files.writeString(root.resolve("hello.txt"), HELLO);
        Files.writeString(root.resolve("style.css"), "body { color: black }\n");
        Files.write(root.resolve("data.bin"), binary(binSize));
        Files.writeString(root.resolve("noext"), "no extension\n");
        Files.writeString(root.resolve("index.html"), ROOT_INDEX);
        Files.writeString(Files.createDirectories(root.resolve("sub")).resolve("index.html"), INDEX);
        Files.createDirectories(root.resolve("empty"));
        Files.writeString(root.resolve("%2e%2e"), "literal name\n");
        Files.createSymbolicLink(root.resolve("alias.txt"), root.resolve("hello.txt"));
        Files.createSymbolicLink(root.resolve("escape.txt"), base.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("escapedir"), base);
        return root;
    }

    static byte[] binary(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    /** One response: status, headers (lower-case names), body. */
    static final class Response {
        final String version;
        final int status;
        final Map<String, String> headers;
        final byte[] body;

        Response(String version, int status, Map<String, String> headers, byte[] body) {
            this.version = version;
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + new String(body, 0, Math.min(body.length, 200), UTF_8);
        }
    }

    /**
     * Reads one response. The body is Content-Length bytes, none for HEAD, 1xx, 204 and 304;
     * chunked coding and close-delimited bodies are failures (the server never sends them).
     */
    static Response read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (headers.containsKey(name)) {
                throw new IOException("repeated header " + name);
            }
            headers.put(name, line.substring(colon + 1).trim());
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new IOException("unexpected transfer-encoding: " + headers);
        }
        byte[] body = new byte[0];
        boolean noBody = head || status / 100 == 1 || status == 204 || status == 304;
        if (!noBody) {
            String length = headers.get("content-length");
            if (length == null) {
                throw new IOException("no content-length: " + headers);
            }
            body = in.readNBytes(Integer.parseInt(length));
            if (body.length != Integer.parseInt(length)) {
                throw new EOFException("body cut short: " + body.length + " of " + length);
            }
        }
        return new Response(parts[0], status, headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new EOFException("connection closed mid-line: " + out.toString(ISO_8859_1));
            }
            out.write(b);
        }
        String s = out.toString(ISO_8859_1);
        if (!s.endsWith("\r")) {
            throw new IOException("line without CR: " + s);
        }
        return s.substring(0, s.length() - 1);
    }

    /** The request targets that must never reach a file outside the root; each gets 400 or 404. */
    static final String[] TRAVERSALS = {
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/..",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e./secret.txt",
        "/.%2e/secret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%252fsecret.txt",
        "/sub%2f..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/..%5csecret.txt",
        "/hello.txt%00.html",
        "/%00",
        "/secret.txt%00/../../secret.txt",
        "//secret.txt",
        "/" + "../".repeat(20) + "etc/passwd",
        "/etc/passwd",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/%252fetc/passwd",
        "secret.txt",
        "../secret.txt",
        "C:\\secret.txt",
        "/escape.txt",
        "/escapedir/secret.txt",
        "/escapedir/root/hello.txt/../../secret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%",
        "/%zz",
        "/hello.txt?x=%zz",
        "/ws?token=%zz",
        "/.",
        "/./hello.txt",
    };
}
