package io.switchboard.server.lifecycle;

import io.switchboard.common.transport.InheritedSocket;
import io.switchboard.server.Listener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * systemd socket activation ({@code sd_listen_fds(3)}): when {@code LISTEN_PID} is this process
 * and {@code LISTEN_FDS} is n, the sockets on file descriptors 3 to 3+n-1 were bound by systemd
 * (or {@code systemd-socket-activate}) and are served instead of binding. Each is matched to a
 * listener by its name in {@code LISTEN_FDNAMES} ({@code framed}, {@code echo}, {@code udp},
 * {@code http}: {@code FileDescriptorName=} in the {@code .socket} unit) or, when it has none of
 * these names, by its socket type and local port against the listener's configured port.
 * Listeners without a socket bind as usual; a socket that matches no listener is reported and
 * left alone.
 */
public final class SocketActivation {
    private static final Logger log = LogManager.getLogger(SocketActivation.class);
    /** The first passed file descriptor ({@code SD_LISTEN_FDS_START}). */
    public static final int FIRST_FD = 3;

    /** One passed socket and its name ({@code "unknown"} when systemd gave none). */
    private record Passed(InheritedSocket socket, String name) {
    }

    private final List<Passed> unclaimed;

    private SocketActivation(List<Passed> passed) {
        this.unclaimed = new ArrayList<>(passed);
    }

    /** No sockets passed: every listener binds. */
    public static SocketActivation none() {
        return new SocketActivation(Collections.emptyList());
    }

    /**
     * Reads {@code LISTEN_PID}, {@code LISTEN_FDS} and {@code LISTEN_FDNAMES} from
     * {@code environment}. Variables meant for another process (a different {@code LISTEN_PID})
     * are ignored, as {@code sd_listen_fds} does.
     *
     * @throws IOException when the variables are malformed or a passed descriptor is not a usable socket
     */
    public static SocketActivation fromEnvironment(Map<String, String> environment, long pid) throws IOException {
        String fds = environment.get("LISTEN_FDS");
        if (fds == null || fds.isEmpty()) {
            return none();
        }
        String listenPid = environment.get("LISTEN_PID");
        long forPid;
        int count;
        try {
            forPid = Long.parseLong(listenPid == null ? "" : listenPid.trim());
        } catch (NumberFormatException e) {
            throw new IOException("LISTEN_PID: '" + listenPid + "' (expected: the process id the sockets are for)");
        }
        if (forPid != pid) {
            log.info("socket activation: LISTEN_FDS is for process {}, not this one ({}); binding as usual", forPid, pid);
            return none();
        }
        try {
            count = Integer.parseInt(fds.trim());
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0 || count > 1024) {
            throw new IOException("LISTEN_FDS: '" + fds + "' (expected: 0..1024)");
        }
        String namesValue = environment.get("LISTEN_FDNAMES");
        String[] names = namesValue == null || namesValue.isEmpty() ? new String[0] : namesValue.split(":", -1);
        if (names.length != 0 && names.length != count) {
            throw new IOException("LISTEN_FDNAMES: '" + namesValue + "' names " + names.length
                    + " sockets (expected: " + count + ", one per LISTEN_FDS)");
        }
        List<Passed> passed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            InheritedSocket socket = InheritedSocket.inspect(FIRST_FD + i);
            socket.makeEventLoopSafe();
            String name = names.length == 0 ? "unknown" : names[i];
            passed.add(new Passed(socket, name));
            log.info("socket activation: fd {} ({}) is a {} socket on {}", socket.fd(), name,
                    socket.stream() ? "stream" : "datagram", socket.localAddress());
        }
        return new SocketActivation(passed);
    }

    /** Whether any sockets were passed. */
    public boolean active() {
        return !unclaimed.isEmpty();
    }

    /**
     * Claims the passed socket for {@code listener}: the one named after it, else an unnamed (or
     * otherwise named) one of the right type bound to {@code configuredPort}.
     *
     * @return the socket, or {@code null} when none fits (the listener then binds itself)
     */
    public InheritedSocket claim(Listener listener, int configuredPort) {
        Passed match = null;
        for (Passed p : unclaimed) {
            if (p.name().toLowerCase(Locale.ROOT).equals(listener.id())) {
                match = p;
                break;
            }
        }
        if (match == null) {
            for (Passed p : unclaimed) {
                boolean namedForAnother = isListenerName(p.name());
                if (!namedForAnother && p.socket().stream() == listener.tcp() && p.socket().localAddress() != null
                        && p.socket().localAddress().getPort() == configuredPort) {
                    match = p;
                    break;
                }
            }
        }
        if (match == null) {
            return null;
        }
        if (match.socket().stream() != listener.tcp()) {
            throw new IllegalArgumentException("socket activation: fd " + match.socket().fd() + " named '" + match.name()
                    + "' is a " + (match.socket().stream() ? "stream" : "datagram") + " socket (expected: "
                    + (listener.tcp() ? "stream" : "datagram") + " for the " + listener.id() + " listener)");
        }
        unclaimed.remove(match);
        return match.socket();
    }

    /** The passed sockets no listener claimed, by fd, with their names: worth a warning. */
    public Map<Integer, String> unclaimed() {
        Map<Integer, String> left = new LinkedHashMap<>();
        for (Passed p : unclaimed) {
            left.put(p.socket().fd(), p.name());
        }
        return left;
    }

    private static boolean isListenerName(String name) {
        for (Listener l : Listener.values()) {
            if (l.id().equals(name.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }
}
