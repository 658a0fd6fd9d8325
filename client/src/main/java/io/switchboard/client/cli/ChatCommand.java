package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.ConnectionListener;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code switchboard-client chat --room lobby --name alice}: an interactive chat. Typed lines are
 * published to the current room as {@code chat} events; incoming ones print with sender and time.
 * Commands: {@code /join ROOM}, {@code /leave [ROOM]}, {@code /members}, {@code /quit}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Interactive chat: lines you type go to the room; /join ROOM, /leave [ROOM], /members, /quit.")
final class ChatCommand implements Callable<Integer> {
    static final String EVENT = "chat";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", paramLabel = "ROOM", defaultValue = "lobby", description = "Room to start in (default: ${DEFAULT-VALUE}).")
    String room;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Your display name.")
    String name;

    @Spec
    CommandSpec spec;

    /** Where typed lines come from; standard input unless a test sets it. */
    InputStream in = System.in;

    private final Map<Long, String> names = new ConcurrentHashMap<>();

    private String who(long sessionId) {
        return names.getOrDefault(sessionId, "#" + sessionId);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClientOptions options;
        try {
            options = connection.builder(7000, name).build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            client.on(EVENT, e -> say(out, "[" + LocalTime.now().format(TIME) + "] " + who(e.senderId()) + "@" + e.room()
                    + ": " + e.text()));
            client.onPresence((r, id, n, joined) -> {
                if (joined) {
                    names.put(id, n);
                }
                say(out, "* " + n + (joined ? " joined " : " left ") + r);
            });
            client.onConnection(new ConnectionListener() {
                @Override
                public void onDisconnected(Throwable cause) {
                    say(out, "* connection lost, reconnecting");
                }

                @Override
                public void onReconnected(long sessionId) {
                    say(out, "* reconnected");
                }
            });
            String current = join(client, out, room) ? room : null;
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    if (line.equals("/quit")) {
                        break;
                    } else if (line.startsWith("/join ")) {
                        String target = line.substring(6).strip();
                        if (join(client, out, target)) {
                            current = target;
                        }
                    } else if (line.equals("/leave") || line.startsWith("/leave ")) {
                        String target = line.length() > 6 ? line.substring(7).strip() : current;
                        if (target == null) {
                            say(out, "! not in a room");
                            continue;
                        }
                        client.leave(target).join();
                        say(out, "* you left " + target);
                        if (target.equals(current)) {
                            List<String> rooms = client.rooms();
                            current = rooms.isEmpty() ? null : rooms.get(0);
                        }
                    } else if (line.equals("/members")) {
                        if (current == null) {
                            say(out, "! not in a room");
                            continue;
                        }
                        List<MemberInfo> members = client.members(current).join();
                        members.forEach(m -> names.put(m.sessionId(), m.name()));
                        StringBuilder list = new StringBuilder("* " + members.size() + " in " + current + ":");
                        members.forEach(m -> list.append(' ').append(m.name()));
                        say(out, list.toString());
                    } else if (line.startsWith("/")) {
                        say(out, "! unknown command " + line.split(" ")[0] + " (/join ROOM, /leave [ROOM], /members, /quit)");
                    } else if (current == null) {
                        say(out, "! not in a room: /join ROOM first");
                    } else {
                        client.publish(current, EVENT, line.getBytes(StandardCharsets.UTF_8)).join();
                    }
                } catch (RuntimeException e) {
                    say(out, "! " + Failures.describe(e));
                }
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("chat failed: " + Failures.describe(e));
            return 1;
        }
    }

    private boolean join(SwitchboardClient client, PrintWriter out, String target) {
        try {
            client.join(target, true).join();
            List<MemberInfo> members = client.members(target).join();
            members.forEach(m -> names.put(m.sessionId(), m.name()));
            say(out, "* you joined " + target + " (" + members.size() + " here)");
            return true;
        } catch (RuntimeException e) {
            say(out, "! cannot join " + target + ": " + Failures.describe(e));
            return false;
        }
    }

    private static void say(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
