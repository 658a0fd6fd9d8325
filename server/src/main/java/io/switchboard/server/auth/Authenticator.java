package io.switchboard.server.auth;

import com.nimbusds.jose.jwk.JWK;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.limits.RateLimitedLog;
import io.switchboard.server.metrics.MetricSource;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.reload.SecretFiles;
import io.switchboard.server.session.Access;
import io.switchboard.server.session.AccessPolicy;
import io.switchboard.server.session.Grant;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.SessionRules;
import io.switchboard.server.settings.AuthConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Who may connect and what a session may do, for every protocol: checks the token a client
 * presents (in HELLO, on the WebSocket upgrade, in the Socket.IO handshake's {@code auth}), a
 * signed token ({@link SignedTokens}) giving the session a {@link Grant}, a static token
 * ({@link AuthTokens}) none; holds the server's {@link AccessPolicy} for sessions without a grant;
 * and counts every permission refusal by cause ({@code switchboard_access_refused_total{cause}})
 * and logs it with the refusal log's rate limit ({@code limits.log-interval}). The session
 * core ({@link io.switchboard.server.session.Session}) enforces the rules. Thread-safe.
 */
public final class Authenticator implements Access {
    private static final Logger log = LogManager.getLogger(Authenticator.class);
    /** Every cause, in the order {@code /metrics} lists them. */
    static final List<String> CAUSES = List.of("token_missing", "token_wrong", "token_malformed", "token_invalid",
            "token_expired", "join", "presence", "publish", "not_member", "broadcast", "direct", "refresh_subject", "name");

    private final AuthTokens tokens;
    private final SignedTokens signed;
    private final AccessPolicy policy;
    private final RateLimitedLog refusalLog;
    private final Clock clock;
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();

    Authenticator(AuthTokens tokens, SignedTokens signed, AccessPolicy policy, Duration refusalLogInterval, Clock clock) {
        this.tokens = tokens;
        this.signed = signed;
        this.policy = policy;
        this.refusalLog = new RateLimitedLog(log, Level.INFO, refusalLogInterval);
        this.clock = clock;
        CAUSES.forEach(c -> refused.put(c, new LongAdder()));
    }

    /** Static tokens only (or none), the open policy: today's behaviour. */
    public static Authenticator of(AuthTokens tokens) {
        return new Authenticator(tokens, null, AccessPolicy.OPEN, Duration.ofSeconds(10), Clock.systemUTC());
    }

    /**
     * The configuration's static tokens, signing keys and policy, with the token file and key
     * files watched for changes ({@code auth.reload-interval}).
     *
     * @param refusalLogInterval refusals of one cause are logged at most once per this ({@code limits.log-interval})
     * @throws IllegalArgumentException with a one-line message when a file cannot be used
     */
    public static Authenticator start(AuthConfig config, Duration refusalLogInterval, FileWatcher watcher) {
        AuthTokens tokens = AuthTokens.start(config, watcher);
        Path secretFile = config.jwtSecretFile();
        Path keyFile = config.jwtKeys();
        SignedTokens signed = null;
        if (secretFile != null || keyFile != null) {
            List<Path> files = new ArrayList<>();
            if (secretFile != null) {
                files.add(secretFile);
            }
            if (keyFile != null) {
                files.add(keyFile);
            }
            FileWatcher.Snapshot before = FileWatcher.snapshot(files);
            signed = new SignedTokens(config.clock());
            try {
                signed.install(readKeys(secretFile, keyFile));
            } catch (SignedTokens.KeyFileException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            if (secretFile != null) {
                SecretFiles.warnIfReadableByOthers("auth.jwt-secret-file", secretFile);
            }
            SignedTokens installed = signed;
            log.info("auth: signed tokens verified with {} key(s) from {}{}", signed.keyCount(), files,
                    config.reloadInterval().isZero() ? ", not reloaded"
                            : ", reloaded on change, checked every " + config.reloadInterval().toMillis() + " ms");
            watcher.watch("signed token keys " + files, files, before, config.reloadInterval(), () -> {
                List<JWK> keys = readKeys(secretFile, keyFile);
                installed.install(keys);
                log.info("auth: signing keys reloaded, {} key(s)", keys.size());
            });
        }
        if (config.defaultPolicy() != AccessPolicy.OPEN) {
            log.info("auth: sessions without a signed token follow the {} policy", config.defaultPolicy().label());
        }
        return new Authenticator(tokens, signed, config.defaultPolicy(), refusalLogInterval, config.clock());
    }

    private static List<JWK> readKeys(Path secretFile, Path keyFile) throws SignedTokens.KeyFileException {
        List<JWK> keys = new ArrayList<>();
        if (secretFile != null) {
            keys.add(SignedTokens.secret(secretFile));
        }
        if (keyFile != null) {
            keys.addAll(SignedTokens.publicKeys(keyFile));
        }
        return keys;
    }

    @Override
    public AccessPolicy policy() {
        return policy;
    }

    /**
     * Whether {@code token} is one of the static client tokens ({@code auth.token}, {@code
     * auth.token-file}): the admin API refuses to take one as its own.
     */
    public boolean isClientToken(String token) {
        return tokens.required() && tokens.accepts(token);
    }

    /** Whether a client must present a token to connect at all. */
    public boolean required() {
        return tokens.required() || policy == AccessPolicy.TOKEN_REQUIRED;
    }

    /** Whether the server checks the token a client presents at all (static tokens, signed tokens or the policy). */
    public boolean checksTokens() {
        return required() || signed != null;
    }

    /**
     * Checks the token a client presents to start a session ({@code ""} for none).
     *
     * @return the grant of a valid signed token, or {@code null} for a session without one (a
     *     valid static token, or none where none is needed)
     * @throws Refused {@link ErrorCode#AUTH_FAILED}: a missing or wrong static token, a signed
     *     token that does not verify, or none where the policy needs one; counted and logged
     */
    public Grant admit(String presented) throws Refused {
        Grant grant;
        if (signed != null && SignedTokens.looksSigned(presented)) {
            try {
                grant = signed.verify(presented);
            } catch (SignedTokens.Rejected e) {
                throw refuse(new Refused(ErrorCode.AUTH_FAILED, e.getMessage(), e.cause()));
            }
        } else if (tokens.required() && !tokens.accepts(presented)) {
            throw refuse(presented.isEmpty()
                    ? new Refused(ErrorCode.AUTH_FAILED, "this server needs an auth token", "token_missing")
                    : new Refused(ErrorCode.AUTH_FAILED, "wrong auth token", "token_wrong"));
        } else {
            grant = null;
        }
        SessionRules.Refusal refusal = SessionRules.admit(policy, grant, clock.instant());
        if (refusal != null) {
            throw refuse(new Refused(refusal.code(), refusal.message(), refusal.cause()));
        }
        return grant;
    }

    /**
     * Checks a fresh signed token a session presents to replace its own (before
     * {@link io.switchboard.server.session.Session#refresh}).
     *
     * @throws Refused {@link ErrorCode#FORBIDDEN} when it does not verify (the session keeps its
     *     current token) or this server verifies no signed tokens; counted and logged
     */
    public Grant refresh(String presented) throws Refused {
        if (signed == null) {
            throw refuse(new Refused(ErrorCode.FORBIDDEN, "this server verifies no signed tokens", "token_invalid"));
        }
        if (!SignedTokens.looksSigned(presented)) {
            throw refuse(new Refused(ErrorCode.FORBIDDEN, "a refresh needs a signed token", "token_malformed"));
        }
        try {
            return signed.verify(presented);
        } catch (SignedTokens.Rejected e) {
            throw refuse(new Refused(ErrorCode.FORBIDDEN, e.getMessage(), e.cause()));
        }
    }

    private Refused refuse(Refused refusal) {
        count(refusal);
        refusalLog.log("auth:" + refusal.cause(), "connection refused ({}): {}", refusal.cause(), refusal.getMessage());
        return refusal;
    }

    @Override
    public void refused(long sessionId, Refused refusal) {
        count(refusal);
        refusalLog.log("session:" + refusal.cause(), "session {} refused ({}): {}", Long.toUnsignedString(sessionId),
                refusal.cause(), refusal.getMessage());
    }

    private void count(Refused refusal) {
        refused.computeIfAbsent(refusal.cause() == null ? "other" : refusal.cause(), c -> new LongAdder()).increment();
    }

    /** The refusals counted so far, by cause. */
    public Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        CAUSES.forEach(c -> out.put(c, refused.get(c).sum()));
        refused.forEach((c, n) -> out.putIfAbsent(c, n.sum()));
        return out;
    }

    /** Writes {@code switchboard_access_refused_total{cause}}; register with {@code Metrics.register}. */
    public void writeMetrics(MetricSource.Sink sink) {
        sink.header("switchboard_access_refused_total", "counter",
                "Sessions and requests refused by the permissions (signed tokens, auth.default-policy), by cause.");
        counts().forEach((cause, n) -> sink.sample("switchboard_access_refused_total", "cause=\"" + cause + "\"", n));
    }
}
