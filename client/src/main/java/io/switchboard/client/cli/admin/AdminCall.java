package io.switchboard.client.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The shape of every admin subcommand: make the client from the options (a bad option or no token
 * is a usage error, exit 2), make one request, print its JSON ({@code --json}) or a table (exit
 * 0), or print why it failed (exit 1: the API refused it, e.g. 401 or 404, or could not be reached).
 */
abstract class AdminCall implements Callable<Integer> {
    @Mixin
    AdminOptions options;

    @Spec
    CommandSpec spec;

    /** The environment the token and URL defaults are read from (tests replace it). */
    static Map<String, String> environment = System.getenv();

    /** The one request. */
    abstract JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError;

    /** The answer for people. */
    abstract String table(JsonNode answer);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AdminHttpClient client;
        try {
            client = new AdminHttpClient(options.baseUri(environment), options.token(environment), options.timeout());
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        JsonNode answer;
        try {
            answer = request(client);
        } catch (AdminHttpClient.AdminError e) {
            err.println(e.getMessage());
            return 1;
        }
        if (options.json) {
            try {
                out.println(AdminHttpClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.print(table(answer));
        }
        out.flush();
        return 0;
    }
}
