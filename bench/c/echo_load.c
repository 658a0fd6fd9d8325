/*
 * echo_load: a single-threaded, edge-triggered epoll, closed-loop load generator for echo servers.
 *
 * Every connection keeps exactly one request in flight: it sends a request, waits for the whole
 * reply, verifies it, records the round-trip time and sends the next one. Latencies go into a
 * log-linear histogram (at most 1/128 relative error, no samples are stored).
 *
 *   -m raw     send S bytes, wait until exactly S bytes came back, compare them
 *   -m framed  Switchboard wire protocol v1: HELLO/WELCOME handshake, then ECHO (0x05) requests
 *              answered by ECHO_REPLY (0x06) with the same request id and payload
 *
 * Wire protocol v1 (big-endian): uint32 length (bytes after this field, >= 6), uint8 opcode,
 * uint8 flags (0), uint32 request id, body (length - 6 bytes). str16 = uint16 count + UTF-8.
 *
 * Prints a human-readable block and one machine-readable line:
 *   RESULT mode=raw conns=50 size=64 duration_s=10.00 requests=... rps=... p50_us=... p90_us=...
 *          p99_us=... p999_us=... max_us=... errors=0
 * Exits 0 only when there were no errors and at least one request completed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- protocol ---- */
#define OP_HELLO 0x01
#define OP_WELCOME 0x02
#define OP_PING 0x03
#define OP_PONG 0x04
#define OP_ECHO 0x05
#define OP_ECHO_REPLY 0x06
#define OP_ERROR 0x07
#define OP_BYE 0x08
#define HEADER_BYTES 10          /* length field (4) + opcode, flags, request id (6) */
#define MIN_LENGTH 6
#define ABS_MAX_LENGTH (64u << 20) /* the largest maximum a receiver may configure */
#define PROTOCOL_VERSION 1
#define CLIENT_NAME "echo_load"

/* ---- tuning ---- */
#define CONNECT_TIMEOUT_NS (10ull * 1000000000ull)
#define MAX_EVENTS 512
#define MAX_PRINTED_ERRORS 20
#define MAX_PAYLOAD (64u << 20)

/* ---- latency histogram: exact below 256 ns, then 128 linear sub-buckets per power of two ---- */
#define SUB_BITS 7
#define SUB_COUNT (1 << SUB_BITS)
#define NBUCKETS (2 * SUB_COUNT + (64 - SUB_BITS - 1) * SUB_COUNT)

static uint64_t hist[NBUCKETS];
static uint64_t hist_count, hist_min = UINT64_MAX, hist_max;
static double hist_sum;

static int bucket_of(uint64_t v) {
    if (v < 2 * SUB_COUNT) return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - SUB_BITS; /* >= 1 */
    int sub = (int)(v >> shift); /* in [SUB_COUNT, 2 * SUB_COUNT) */
    return 2 * SUB_COUNT + (shift - 1) * SUB_COUNT + (sub - SUB_COUNT);
}

/* The highest value that falls into bucket idx. */
static uint64_t bucket_high(int idx) {
    if (idx < 2 * SUB_COUNT) return (uint64_t)idx;
    int shift = (idx - 2 * SUB_COUNT) / SUB_COUNT + 1;
    uint64_t sub = (uint64_t)((idx - 2 * SUB_COUNT) % SUB_COUNT + SUB_COUNT);
    return ((sub + 1) << shift) - 1;
}

static void hist_record(uint64_t ns) {
    hist[bucket_of(ns)]++;
    hist_count++;
    hist_sum += (double)ns;
    if (ns < hist_min) hist_min = ns;
    if (ns > hist_max) hist_max = ns;
}

/* Value at quantile q (0..1) in ns, within 1/128 of the true sample value. */
static uint64_t hist_quantile(double q) {
    if (hist_count == 0) return 0;
    uint64_t target = (uint64_t)ceil(q * (double)hist_count);
    if (target < 1) target = 1;
    if (target > hist_count) target = hist_count;
    uint64_t seen = 0;
    for (int i = 0; i < NBUCKETS; i++) {
        seen += hist[i];
        if (seen >= target) {
            uint64_t v = bucket_high(i);
            if (v > hist_max) v = hist_max;
            if (v < hist_min) v = hist_min;
            return v;
        }
    }
    return hist_max;
}

/* ---- connections ---- */
enum state { ST_CONNECTING, ST_HELLO, ST_READY, ST_CLOSED };

struct conn {
    int fd;
    int idx;
    enum state state;
    int busy;                 /* a request is in flight */
    unsigned char *sbuf;      /* outgoing request (framed: header + payload) */
    size_t slen, soff;
    unsigned char *payload;   /* points into sbuf */
    unsigned char *rbuf;
    size_t rcap, rlen;
    uint32_t next_id, inflight_id;
    uint64_t seq;
    uint64_t send_ns;
};

static int mode_framed;
static size_t payload_size = 64;
static struct conn *conns;
static int nconns = 50;
static int live;              /* connections not closed */
static uint64_t errors, printed_errors;
static int running;           /* measurement phase: completed replies trigger the next request */
static uint64_t measure_start_ns, end_ns;
static uint64_t requests, warmup_requests, pings_ignored;
static volatile sig_atomic_t stop;
static uint32_t server_max_length = ABS_MAX_LENGTH;
static int welcome_seen;
static char server_name[128];

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t get_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t get_be16(const unsigned char *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint64_t get_be64(const unsigned char *p) {
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}
static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}
static void put_be16(unsigned char *p, uint16_t v) {
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct conn *c, const char *fmt, ...) {
    if (c->state == ST_CLOSED) return;
    errors++;
    if (printed_errors < MAX_PRINTED_ERRORS) {
        printed_errors++;
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "echo_load: connection %d: ", c->idx);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        if (printed_errors == MAX_PRINTED_ERRORS) {
            fprintf(stderr, "echo_load: further error messages suppressed\n");
        }
    }
    close(c->fd);
    c->fd = -1;
    c->state = ST_CLOSED;
    c->busy = 0;
    live--;
}

/* Writes what is left of sbuf. Returns -1 if the connection failed. */
static int flush(struct conn *c) {
    while (c->soff < c->slen) {
        ssize_t n = send(c->fd, c->sbuf + c->soff, c->slen - c->soff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0; /* EPOLLOUT edge resumes */
            fail(c, "send: %s", strerror(errno));
            return -1;
        }
        c->soff += (size_t)n;
    }
    return 0;
}

static uint32_t take_id(struct conn *c) {
    uint32_t id = c->next_id++;
    if (c->next_id == 0) c->next_id = 1; /* ids are non-zero */
    return id;
}

static void start_request(struct conn *c) {
    /* Vary the payload per request so a stale or misrouted reply cannot match. */
    c->seq++;
    size_t k = payload_size < sizeof c->seq ? payload_size : sizeof c->seq;
    memcpy(c->payload, &c->seq, k);
    if (mode_framed) {
        c->inflight_id = take_id(c);
        put_be32(c->sbuf, (uint32_t)(MIN_LENGTH + payload_size));
        c->sbuf[4] = OP_ECHO;
        c->sbuf[5] = 0;
        put_be32(c->sbuf + 6, c->inflight_id);
        c->slen = HEADER_BYTES + payload_size;
    } else {
        c->slen = payload_size;
    }
    c->soff = 0;
    c->rlen = mode_framed ? c->rlen : 0;
    c->busy = 1;
    c->send_ns = now_ns();
    flush(c);
}

/* A full, verified reply arrived: record it and, while the run lasts, send the next request. */
static void complete(struct conn *c) {
    uint64_t t = now_ns();
    c->busy = 0;
    if (c->send_ns >= measure_start_ns && t <= end_ns) {
        hist_record(t - c->send_ns);
        requests++;
    } else {
        warmup_requests++;
    }
    if (running && !stop && t < end_ns) start_request(c);
}

static void send_hello(struct conn *c) {
    size_t name_len = strlen(CLIENT_NAME);
    size_t body = 1 + 2 + name_len + 2;
    unsigned char *p = c->sbuf;
    put_be32(p, (uint32_t)(MIN_LENGTH + body));
    p[4] = OP_HELLO;
    p[5] = 0;
    c->inflight_id = take_id(c);
    put_be32(p + 6, c->inflight_id);
    p += HEADER_BYTES;
    *p++ = PROTOCOL_VERSION;
    put_be16(p, (uint16_t)name_len);
    memcpy(p + 2, CLIENT_NAME, name_len);
    p += 2 + name_len;
    put_be16(p, 0); /* empty token */
    c->slen = HEADER_BYTES + body;
    c->soff = 0;
    c->state = ST_HELLO;
    flush(c);
}

static void on_connected(struct conn *c) {
    if (mode_framed) {
        send_hello(c);
    } else {
        c->state = ST_READY;
    }
}

/* Handles one complete frame. Returns -1 if the connection failed. */
static int on_frame(struct conn *c, unsigned op, unsigned flags, uint32_t id,
                    const unsigned char *body, size_t blen) {
    if (op == OP_ERROR || op == OP_BYE) {
        unsigned code = blen >= 2 ? get_be16(body) : 0;
        size_t mlen = blen >= 4 ? get_be16(body + 2) : 0;
        if (mlen > blen - 4) mlen = blen >= 4 ? blen - 4 : 0;
        fail(c, "%s frame (request id %u): code %u: %.*s", op == OP_ERROR ? "ERROR" : "BYE",
             (unsigned)id, code, (int)mlen, blen >= 4 ? (const char *)body + 4 : "");
        return -1;
    }
    if (flags != 0) {
        fail(c, "frame with opcode 0x%02x has flags 0x%02x", op, flags);
        return -1;
    }
    if (op == OP_PING || op == OP_PONG) {
        pings_ignored++;
        return 0;
    }
    if (c->state == ST_HELLO) {
        if (op != OP_WELCOME || id != c->inflight_id) {
            fail(c, "expected WELCOME for request id %u, got opcode 0x%02x id %u",
                 (unsigned)c->inflight_id, op, (unsigned)id);
            return -1;
        }
        if (blen < 1 + 8 + 4 + 4 + 2 || (size_t)get_be16(body + 17) != blen - 19) {
            fail(c, "malformed WELCOME body (%zu bytes)", blen);
            return -1;
        }
        uint32_t maxlen = get_be32(body + 9);
        if (!welcome_seen) {
            welcome_seen = 1;
            server_max_length = maxlen;
            size_t n = blen - 19 < sizeof server_name - 1 ? blen - 19 : sizeof server_name - 1;
            memcpy(server_name, body + 19, n);
            server_name[n] = '\0';
            fprintf(stderr, "echo_load: WELCOME version %u session %llu max frame length %u "
                    "idle timeout %u ms server '%s'\n", body[0],
                    (unsigned long long)get_be64(body + 1), maxlen, get_be32(body + 13),
                    server_name);
        }
        if (MIN_LENGTH + payload_size > maxlen) {
            fail(c, "payload of %zu bytes exceeds the server's max frame length %u",
                 payload_size, maxlen);
            return -1;
        }
        c->state = ST_READY;
        return 0;
    }
    if (op != OP_ECHO_REPLY) {
        fail(c, "unexpected opcode 0x%02x (request id %u)", op, (unsigned)id);
        return -1;
    }
    if (!c->busy || id != c->inflight_id) {
        fail(c, "ECHO_REPLY for request id %u, expected %u%s", (unsigned)id,
             (unsigned)c->inflight_id, c->busy ? "" : " (none in flight)");
        return -1;
    }
    if (blen != payload_size || memcmp(body, c->payload, blen) != 0) {
        fail(c, "ECHO_REPLY payload mismatch (%zu bytes, expected %zu)", blen, payload_size);
        return -1;
    }
    complete(c);
    return c->state == ST_CLOSED ? -1 : 0;
}

/* Parses whole frames from rbuf. Returns -1 if the connection failed. */
static int parse_frames(struct conn *c) {
    size_t pos = 0;
    int rc = 0;
    while (c->rlen - pos >= 4) {
        uint32_t len = get_be32(c->rbuf + pos);
        if (len < MIN_LENGTH || len > ABS_MAX_LENGTH) {
            fail(c, "bad frame length %u", (unsigned)len);
            return -1;
        }
        size_t total = 4 + (size_t)len;
        if (c->rlen - pos < total) {
            if (total > c->rcap) {
                unsigned char *nb = realloc(c->rbuf, total);
                if (nb == NULL) {
                    fail(c, "out of memory for a %zu-byte frame", total);
                    return -1;
                }
                c->rbuf = nb;
                c->rcap = total;
            }
            break;
        }
        const unsigned char *f = c->rbuf + pos;
        pos += total;
        if (on_frame(c, f[4], f[5], get_be32(f + 6), f + HEADER_BYTES, len - MIN_LENGTH) < 0) {
            rc = -1;
            break;
        }
    }
    if (c->state == ST_CLOSED) return -1;
    if (pos > 0) {
        memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
        c->rlen -= pos;
    }
    return rc;
}

/* Reads what the socket has. Edge-triggered: read until EAGAIN or a short read. */
static void do_read(struct conn *c) {
    for (;;) {
        if (c->rlen == c->rcap) {
            /* raw: more bytes than sent; framed: parse_frames grows rbuf for a partial frame */
            fail(c, "received more bytes than expected");
            return;
        }
        size_t asked = c->rcap - c->rlen;
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, asked, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            fail(c, "recv: %s", strerror(errno));
            return;
        }
        if (n == 0) {
            fail(c, "connection closed by server%s", c->busy ? " with a request in flight" : "");
            return;
        }
        c->rlen += (size_t)n;
        if (mode_framed) {
            if (parse_frames(c) < 0) return;
        } else {
            if (!c->busy || c->rlen > payload_size) {
                fail(c, "received %zu bytes, expected %zu", c->rlen, c->busy ? payload_size : 0);
                return;
            }
            if (c->rlen == payload_size) {
                if (memcmp(c->rbuf, c->payload, payload_size) != 0) {
                    fail(c, "echoed bytes differ from the bytes sent");
                    return;
                }
                c->rlen = 0;
                complete(c);
                if (c->state == ST_CLOSED) return;
            }
        }
        if ((size_t)n < asked) return; /* drained; new data raises a new EPOLLIN edge */
    }
}

static void on_event(struct conn *c, uint32_t ev) {
    if (c->state == ST_CLOSED) return;
    if (c->state == ST_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err != 0) {
            fail(c, "connect: %s", strerror(err));
            return;
        }
        if (!(ev & EPOLLOUT)) return;
        on_connected(c);
        return;
    }
    if ((ev & EPOLLOUT) && c->soff < c->slen) {
        if (flush(c) < 0) return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) do_read(c);
}

static void usage(const char *prog) {
    fprintf(stderr,
            "usage: %s -p PORT [-h HOST] [-c CONNS] [-s BYTES] [-d SECONDS] [-w SECONDS] [-m raw|framed]\n"
            "  -h host to connect to (default 127.0.0.1)\n"
            "  -p port (required)\n"
            "  -c concurrent connections, one request in flight each (default 50)\n"
            "  -s payload size in bytes (default 64)\n"
            "  -d measured duration in seconds (default 10)\n"
            "  -w warm-up seconds, not counted (default 2)\n"
            "  -m raw (plain TCP echo) or framed (Switchboard protocol v1) (default raw)\n",
            prog);
}

static int parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > 1e6) return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    const char *port = NULL;
    double duration = 10, warmup = 2;
    long v;
    int opt;
    while ((opt = getopt(argc, argv, "h:p:c:s:d:w:m:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p':
            if (parse_long(optarg, 1, 65535, &v) < 0) goto bad;
            port = optarg;
            break;
        case 'c':
            if (parse_long(optarg, 1, 1000000, &v) < 0) goto bad;
            nconns = (int)v;
            break;
        case 's':
            if (parse_long(optarg, 0, MAX_PAYLOAD, &v) < 0) goto bad;
            payload_size = (size_t)v;
            break;
        case 'd':
            if (parse_double(optarg, &duration) < 0 || duration <= 0) goto bad;
            break;
        case 'w':
            if (parse_double(optarg, &warmup) < 0) goto bad;
            break;
        case 'm':
            if (strcmp(optarg, "raw") == 0) mode_framed = 0;
            else if (strcmp(optarg, "framed") == 0) mode_framed = 1;
            else goto bad;
            break;
        default:
            usage(argv[0]);
            return 2;
        }
    }
    if (port == NULL || optind != argc) {
        usage(argv[0]);
        return 2;
    }
    if (!mode_framed && payload_size == 0) {
        fprintf(stderr, "echo_load: raw mode needs a payload of at least 1 byte\n");
        return 2;
    }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)nconns + 16 > rl.rlim_cur) {
            fprintf(stderr, "echo_load: %d connections exceed the open-file limit of %llu\n",
                    nconns, (unsigned long long)rl.rlim_cur);
            return 2;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct addrinfo hints, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "echo_load: %s:%s: %s\n", host, port, gai_strerror(gai));
        return 2;
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("epoll_create1");
        return 1;
    }
    conns = calloc((size_t)nconns, sizeof *conns);
    if (conns == NULL) {
        perror("calloc");
        return 1;
    }

    /* Phase 1: connect (and, framed, handshake) every connection. */
    uint64_t t_setup = now_ns();
    int one = 1;
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        c->idx = i;
        c->fd = -1;
        c->state = ST_CONNECTING;
        c->next_id = 1;
        live++;
        size_t scap = HEADER_BYTES + payload_size + 64;
        c->sbuf = malloc(scap);
        c->rcap = mode_framed ? HEADER_BYTES + payload_size + 4096 : payload_size + 4096;
        c->rbuf = malloc(c->rcap);
        if (c->sbuf == NULL || c->rbuf == NULL) {
            fail(c, "out of memory");
            continue;
        }
        c->payload = c->sbuf + (mode_framed ? HEADER_BYTES : 0);
        for (size_t j = 0; j < payload_size; j++) {
            c->payload[j] = (unsigned char)('a' + (j + (size_t)i) % 26);
        }
        c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            fail(c, "socket: %s", strerror(errno));
            continue;
        }
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = c;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
            fail(c, "epoll_ctl: %s", strerror(errno));
            continue;
        }
        if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            on_connected(c);
        } else if (errno != EINPROGRESS) {
            fail(c, "connect: %s", strerror(errno));
        }
    }
    freeaddrinfo(ai);

    struct epoll_event *events = calloc(MAX_EVENTS, sizeof *events);
    if (events == NULL) {
        perror("calloc");
        return 1;
    }
    for (;;) {
        int pending = 0;
        for (int i = 0; i < nconns; i++) {
            if (conns[i].state == ST_CONNECTING || conns[i].state == ST_HELLO) pending++;
        }
        uint64_t t = now_ns();
        if (pending == 0 || stop) break;
        if (t - t_setup >= CONNECT_TIMEOUT_NS) {
            for (int i = 0; i < nconns; i++) {
                struct conn *c = &conns[i];
                if (c->state == ST_CONNECTING || c->state == ST_HELLO) {
                    fail(c, "%s timed out", c->state == ST_CONNECTING ? "connect" : "handshake");
                }
            }
            break;
        }
        int ms = (int)((CONNECT_TIMEOUT_NS - (t - t_setup)) / 1000000) + 1;
        int n = epoll_wait(ep, events, MAX_EVENTS, ms);
        if (n < 0 && errno != EINTR) {
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) on_event(events[i].data.ptr, events[i].events);
    }
    int established = live;
    double setup_s = (double)(now_ns() - t_setup) / 1e9;

    /* Phase 2: warm-up, then the measured window; every ready connection runs a closed loop. */
    uint64_t t_start = now_ns();
    measure_start_ns = t_start + (uint64_t)(warmup * 1e9);
    end_ns = measure_start_ns + (uint64_t)(duration * 1e9);
    running = 1;
    for (int i = 0; i < nconns && !stop; i++) {
        if (conns[i].state == ST_READY) start_request(&conns[i]);
    }
    uint64_t t;
    for (;;) {
        t = now_ns();
        if (t >= end_ns || stop || live == 0) break;
        int ms = (int)((end_ns - t + 999999) / 1000000);
        int n = epoll_wait(ep, events, MAX_EVENTS, ms);
        if (n < 0 && errno != EINTR) {
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) on_event(events[i].data.ptr, events[i].events);
    }
    running = 0;
    uint64_t stop_ns = t < end_ns ? t : end_ns;
    double measured_s = stop_ns > measure_start_ns ? (double)(stop_ns - measure_start_ns) / 1e9 : 0;
    for (int i = 0; i < nconns; i++) {
        if (conns[i].fd >= 0) close(conns[i].fd);
        free(conns[i].sbuf);
        free(conns[i].rbuf);
    }
    free(conns);
    free(events);
    close(ep);

    double rps = measured_s > 0 ? (double)requests / measured_s : 0;
    double us = 1e-3;
    const char *mode = mode_framed ? "framed" : "raw";
    printf("echo_load: mode=%s target=%s:%s connections=%d (%d established in %.2f s) payload=%zu B\n",
           mode, host, port, nconns, established, setup_s, payload_size);
    if (mode_framed && welcome_seen) printf("  server       '%s', max frame length %u\n", server_name, server_max_length);
    printf("  warm-up      %.2f s (%llu requests, not counted)\n", warmup, (unsigned long long)warmup_requests);
    printf("  measured     %.2f s%s\n", measured_s, stop ? " (interrupted)" : "");
    printf("  requests     %llu  (%.1f req/s, %.2f MB/s each way)\n", (unsigned long long)requests, rps,
           rps * (double)payload_size / 1e6);
    if (hist_count > 0) {
        printf("  latency us   min %.1f  mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
               (double)hist_min * us, hist_sum / (double)hist_count * us, (double)hist_quantile(0.50) * us,
               (double)hist_quantile(0.90) * us, (double)hist_quantile(0.99) * us,
               (double)hist_quantile(0.999) * us, (double)hist_max * us);
    } else {
        printf("  latency us   (no samples)\n");
    }
    if (pings_ignored) printf("  ping/pong    %llu ignored\n", (unsigned long long)pings_ignored);
    printf("  errors       %llu\n", (unsigned long long)errors);
    printf("RESULT mode=%s conns=%d size=%zu duration_s=%.2f requests=%llu rps=%.1f p50_us=%.1f "
           "p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f errors=%llu\n",
           mode, nconns, payload_size, measured_s, (unsigned long long)requests, rps,
           (double)hist_quantile(0.50) * us, (double)hist_quantile(0.90) * us,
           (double)hist_quantile(0.99) * us, (double)hist_quantile(0.999) * us,
           (double)hist_max * us, (unsigned long long)errors);
    fflush(stdout);
    if (errors > 0) return 1;
    if (requests == 0) {
        fprintf(stderr, "echo_load: no request completed in the measured window\n");
        return 1;
    }
    return 0;

bad:
    fprintf(stderr, "echo_load: bad value for -%c: '%s'\n", opt, optarg);
    usage(argv[0]);
    return 2;
}
