/*
 * fanout_load: a single-threaded, edge-triggered epoll load generator for room fan-out on the
 * Switchboard framed protocol.
 *
 * S subscriber connections JOIN one room (flag ACK, and wait for the ACK); one publisher
 * connection PUBLISHes events to that room with the ACK flag. Every subscriber should receive
 * every event exactly once and in order.
 *
 *   closed loop (-r 0)  the publisher keeps W publishes unacknowledged: the next PUBLISH goes out
 *                       when an ACK arrives
 *   open loop (-r N)    N publishes per second on a fixed schedule, whatever the ACKs do; latency
 *                       counts from the intended send time (no coordinated omission)
 *
 * With -P PORT2 (and -H HOST2) the subscribers are split over two targets, e.g. two nodes of a
 * cluster: the first half on -h/-p with the publisher, the second half on -H/-P.
 *
 * Payload (at least 16 bytes): u64 sequence number (from 1), u64 intended send time
 * (CLOCK_MONOTONIC ns), then a fixed filler. Each subscriber records publish-to-delivery latency
 * (receive time - intended send time) into one log-linear histogram (at most 1/128 relative
 * error, no samples are stored) and tracks the sequence numbers it saw, to count missing,
 * duplicated and out-of-order deliveries. Publishes intended before the end of the warm-up are
 * excluded from the statistics by sequence number.
 *
 * Wire protocol v1 (big-endian): uint32 length (bytes after this field, >= 6), uint8 opcode,
 * uint8 flags, uint32 request id, body (length - 6 bytes). str16 = uint16 count + UTF-8.
 *   HELLO 0x01: u8 version, str16 name, str16 token      WELCOME 0x02: u8 version, u64 session,
 *   JOIN 0x10: str16 room (flag ACK 0x01)                 u32 max frame length, u32 idle ms, str16
 *   PUBLISH 0x12: u8 target (0 room), str16 room, str16 event, payload (flag ACK 0x01)
 *   EVENT 0x13: u64 sender, u8 target, str16 room, str16 event, payload
 *   ACK 0x14: payload (empty from the server), request id = the request's
 *   ERROR 0x07: u16 code, str16 message
 *
 * Prints a human-readable block and one machine-readable line:
 *   RESULT mode=fanout subscribers=S size=B rate=R publishes=P deliveries=D deliveries_per_s=...
 *          publishes_per_s=... p50_us=... p90_us=... p99_us=... p999_us=... max_us=...
 *          missing=M duplicates=X reordered=O errors=E
 * Exits 0 only when there were no errors, nothing missing, duplicated or reordered (warm-up
 * included), no EVENT in the room came from another publisher, and at least one measured event was
 * delivered; 1 otherwise; 2 for bad usage.
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
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* ---- protocol ---- */
#define OP_HELLO 0x01
#define OP_WELCOME 0x02
#define OP_PING 0x03
#define OP_PONG 0x04
#define OP_ERROR 0x07
#define OP_BYE 0x08
#define OP_JOIN 0x10
#define OP_PUBLISH 0x12
#define OP_EVENT 0x13
#define OP_ACK 0x14
#define OP_JOINED 0x17
#define OP_LEFT 0x18
#define FLAG_ACK 0x01
#define TARGET_ROOM 0
#define HEADER_BYTES 10            /* length field (4) + opcode, flags, request id (6) */
#define MIN_LENGTH 6
#define ABS_MAX_LENGTH (64u << 20) /* the largest maximum a receiver may configure */
#define PROTOCOL_VERSION 1
#define SUB_NAME "fanout_sub"
#define PUB_NAME "fanout_pub"
#define EVENT_NAME "e"
#define MAX_ROOM_NAME 65535

/* ---- tuning ---- */
#define SETUP_TIMEOUT_NS (10ull * 1000000000ull) /* plus SETUP_PER_CONN_NS per connection */
#define SETUP_PER_CONN_NS 1000000ull
#define MAX_SETUP_INFLIGHT 256     /* connections connecting or handshaking at once */
#define STRAGGLER_NS (2ull * 1000000000ull)
#define HEARTBEAT_CHECK_NS 1000000000ull
#define MAX_EVENTS 1024
#define MAX_PRINTED_ERRORS 20
#define MIN_PAYLOAD 16
#define MAX_PAYLOAD (16u << 20)
#define MAX_SUBSCRIBERS 19990      /* at most 20,000 open files in all */
#define MAX_PUB_BACKLOG (32u << 20) /* unsent publisher bytes before the open loop gives up */
#define MIN_TIMER_PERIOD_NS 50000ull
#define SEQ_WINDOW 64              /* recent sequence numbers remembered per subscriber */

/* ---- latency histograms: exact below 256 ns, then 128 linear sub-buckets per power of two ---- */
#define SUB_BITS 7
#define SUB_COUNT (1 << SUB_BITS)
#define NBUCKETS (2 * SUB_COUNT + (64 - SUB_BITS - 1) * SUB_COUNT)

struct hist {
    uint64_t b[NBUCKETS];
    uint64_t count, min, max;
    double sum;
};

static struct hist lat_hist = {.min = UINT64_MAX}; /* publish (intended) -> delivery */
static struct hist ack_hist = {.min = UINT64_MAX}; /* publish (intended) -> ACK at the publisher */

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

static void hist_record(struct hist *h, uint64_t ns) {
    h->b[bucket_of(ns)]++;
    h->count++;
    h->sum += (double)ns;
    if (ns < h->min) h->min = ns;
    if (ns > h->max) h->max = ns;
}

/* Value at quantile q (0..1) in ns, within 1/128 of the true sample value. */
static uint64_t hist_quantile(const struct hist *h, double q) {
    if (h->count == 0) return 0;
    uint64_t target = (uint64_t)ceil(q * (double)h->count);
    if (target < 1) target = 1;
    if (target > h->count) target = h->count;
    uint64_t seen = 0;
    for (int i = 0; i < NBUCKETS; i++) {
        seen += h->b[i];
        if (seen >= target) {
            uint64_t v = bucket_high(i);
            if (v > h->max) v = h->max;
            if (v < h->min) v = h->min;
            return v;
        }
    }
    return h->max;
}

static void hist_print(const char *label, const struct hist *h) {
    const double us = 1e-3;
    if (h->count == 0) {
        printf("  %-12s (no samples)\n", label);
        return;
    }
    printf("  %-12s min %.1f  mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", label,
           (double)h->min * us, h->sum / (double)h->count * us, (double)hist_quantile(h, 0.50) * us,
           (double)hist_quantile(h, 0.90) * us, (double)hist_quantile(h, 0.99) * us,
           (double)hist_quantile(h, 0.999) * us, (double)h->max * us);
}

/* ---- connections ---- */
enum state { ST_IDLE, ST_CONNECTING, ST_HELLO, ST_JOINING, ST_READY, ST_CLOSED };

struct conn {
    int fd;
    int idx;                  /* 0 .. S-1 subscribers, S the publisher */
    int is_pub;
    enum state state;
    unsigned char *obuf;      /* outgoing frames, sent from ooff to olen */
    size_t ocap, olen, ooff;
    unsigned char *rbuf;      /* incoming bytes, parsed into frames */
    size_t rcap, rlen;
    uint32_t next_id, wait_id; /* wait_id: the HELLO or JOIN whose answer is awaited */
    uint64_t last_tx_ns;
    /* subscriber: the highest sequence number seen, and which of the SEQ_WINDOW below it were */
    uint64_t last_seq, seen_bits;
    uint64_t distinct_measured, distinct_warm; /* first arrivals */
};

static struct conn *conns;
static int nsubs = 1000;
static int nconns;            /* nsubs + 1 */
static struct conn *pub;
static int ep = -1;
static size_t payload_size = 64;
static double rate;           /* publishes per second, 0 = closed loop */
static int window = 1;
static const char *room = "bench";
static size_t room_len;
static volatile sig_atomic_t stop;

static uint64_t errors, printed_errors;
static int live;              /* connections not closed */
static int live_subs;         /* subscribers not closed */
static int setup_inflight;    /* connecting or handshaking */
static uint64_t server_max_length = ABS_MAX_LENGTH;
static uint32_t idle_timeout_ms;
static int welcome_seen;
static char server_name[128];
static uint64_t pub_session;
static uint64_t pings_answered, pongs_ignored, presence_ignored;

/* run */
static int running;           /* the publisher may publish */
static uint64_t run_start_ns, measure_start_ns, end_ns;
static uint64_t pub_seq;      /* last sequence number published (handed to the send buffer) */
static uint64_t pub_acked;    /* publishes acknowledged (acks arrive in order) */
static uint64_t first_measured; /* first sequence number intended at or after measure_start_ns */
static uint64_t open_next = 1; /* open loop: the next sequence number to publish */
static double interval_ns;
static uint64_t *send_ring;   /* closed loop: intended send time by seq & ring_mask */
static uint64_t ring_mask;
static uint64_t pub_backlog_max;

/* accounting */
static uint64_t deliveries, warm_deliveries;
static uint64_t foreign_events; /* EVENTs in the room from another publisher: ignored */
static uint64_t rx_in_window;  /* EVENTs of any sequence number received inside the measured window */
static uint64_t dup_measured, dup_warm, reord_measured, reord_warm, reord_unknown;
static uint64_t total_distinct_live; /* distinct_measured summed over live subscribers */
static uint64_t acks_measured;

/* template pieces */
static unsigned char *filler;       /* payload bytes 16 .. B-1 */
static unsigned char *pub_template; /* a whole PUBLISH frame but seq, time and request id */
static size_t pub_frame_len, pub_payload_off;
static unsigned char *event_prefix; /* EVENT body after the sender id, up to the payload */
static size_t event_prefix_len, event_body_len;

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
static void put_be64(unsigned char *p, uint64_t v) {
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static void report(const char *who, int idx, const char *fmt, va_list ap) {
    errors++;
    if (printed_errors < MAX_PRINTED_ERRORS) {
        printed_errors++;
        if (idx >= 0) fprintf(stderr, "fanout_load: %s %d: ", who, idx);
        else fprintf(stderr, "fanout_load: %s: ", who);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        if (printed_errors == MAX_PRINTED_ERRORS) {
            fprintf(stderr, "fanout_load: further error messages suppressed\n");
        }
    }
}

/* Counts and prints an error that belongs to no connection. */
static void error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error_msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    report("error", -1, fmt, ap);
    va_end(ap);
}

/* Counts an error on c, prints it (the first few) and closes c for good. */
static void fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct conn *c, const char *fmt, ...) {
    if (c->state == ST_CLOSED) return;
    va_list ap;
    va_start(ap, fmt);
    report(c->is_pub ? "publisher" : "subscriber", c->is_pub ? -1 : c->idx, fmt, ap);
    va_end(ap);
    if (c->state == ST_CONNECTING || c->state == ST_HELLO || c->state == ST_JOINING) setup_inflight--;
    if (c->fd >= 0) close(c->fd); /* close also removes it from the epoll set */
    c->fd = -1;
    c->state = ST_CLOSED;
    live--;
    if (!c->is_pub) {
        live_subs--;
        total_distinct_live -= c->distinct_measured;
    }
}

/* ---- output ---- */

/* Room for n more bytes at the end of c's output buffer (NULL after a failure). */
static unsigned char *out_reserve(struct conn *c, size_t n) {
    if (c->ooff > 0 && (c->ooff == c->olen || c->ocap - c->olen < n)) {
        memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
        c->olen -= c->ooff;
        c->ooff = 0;
    }
    if (c->ocap - c->olen < n) {
        size_t cap = c->ocap ? c->ocap : 256;
        while (cap - c->olen < n) cap *= 2;
        unsigned char *nb = realloc(c->obuf, cap);
        if (nb == NULL) {
            fail(c, "out of memory for a %zu-byte send buffer", cap);
            return NULL;
        }
        c->obuf = nb;
        c->ocap = cap;
    }
    return c->obuf + c->olen;
}

/* Writes what is queued. Returns -1 if the connection failed. */
static int flush(struct conn *c) {
    while (c->ooff < c->olen) {
        ssize_t n = send(c->fd, c->obuf + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0; /* EPOLLOUT edge resumes */
            fail(c, "send: %s", strerror(errno));
            return -1;
        }
        c->ooff += (size_t)n;
    }
    c->ooff = c->olen = 0;
    return 0;
}

static uint32_t take_id(struct conn *c) {
    uint32_t id = c->next_id++;
    if (c->next_id == 0) c->next_id = 1; /* ids are non-zero */
    return id;
}

/* Queues a frame header for a body of blen bytes; returns where the body goes (or NULL). */
static unsigned char *frame_begin(struct conn *c, unsigned op, unsigned flags, uint32_t id, size_t blen) {
    unsigned char *p = out_reserve(c, HEADER_BYTES + blen);
    if (p == NULL) return NULL;
    put_be32(p, (uint32_t)(MIN_LENGTH + blen));
    p[4] = (unsigned char)op;
    p[5] = (unsigned char)flags;
    put_be32(p + 6, id);
    c->olen += HEADER_BYTES + blen;
    c->last_tx_ns = now_ns();
    return p + HEADER_BYTES;
}

static void send_hello(struct conn *c) {
    const char *name = c->is_pub ? PUB_NAME : SUB_NAME;
    size_t name_len = strlen(name);
    c->wait_id = take_id(c);
    unsigned char *p = frame_begin(c, OP_HELLO, 0, c->wait_id, 1 + 2 + name_len + 2);
    if (p == NULL) return;
    *p++ = PROTOCOL_VERSION;
    put_be16(p, (uint16_t)name_len);
    memcpy(p + 2, name, name_len);
    p += 2 + name_len;
    put_be16(p, 0); /* empty token */
    c->state = ST_HELLO;
    flush(c);
}

static void send_join(struct conn *c) {
    c->wait_id = take_id(c);
    unsigned char *p = frame_begin(c, OP_JOIN, FLAG_ACK, c->wait_id, 2 + room_len);
    if (p == NULL) return;
    put_be16(p, (uint16_t)room_len);
    memcpy(p + 2, room, room_len);
    c->state = ST_JOINING;
    flush(c);
}

/* The connection is ready: subscribers are in the room, the publisher is handshaken. */
static void set_ready(struct conn *c) {
    c->state = ST_READY;
    setup_inflight--;
}

/* ---- publishing ---- */

/* Queues PUBLISH number pub_seq + 1, intended at `intended`. Returns -1 if the publisher failed. */
static int publish_one(uint64_t intended) {
    unsigned char *p = out_reserve(pub, pub_frame_len);
    if (p == NULL) return -1;
    uint64_t seq = ++pub_seq;
    memcpy(p, pub_template, pub_frame_len);
    put_be32(p + 6, (uint32_t)seq); /* request id: the low 32 bits of the sequence number */
    put_be64(p + pub_payload_off, seq);
    put_be64(p + pub_payload_off + 8, intended);
    pub->olen += pub_frame_len;
    pub->last_tx_ns = intended;
    if (send_ring != NULL) send_ring[seq & ring_mask] = intended;
    if (first_measured == 0 && intended >= measure_start_ns) first_measured = seq;
    return 0;
}

/* Intended send time of open-loop publish number seq (from 1). */
static uint64_t open_time(uint64_t seq) {
    return run_start_ns + (uint64_t)((double)(seq - 1) * interval_ns);
}

/* Open loop: queues every publish whose time has come (never waits for acks), then sends. */
static void publish_due(uint64_t t) {
    if (!running || rate <= 0 || pub->state != ST_READY) return;
    int queued = 0;
    for (;;) {
        uint64_t at = open_time(open_next);
        if (at > t || at >= end_ns) break;
        size_t backlog = pub->olen - pub->ooff;
        if (backlog > pub_backlog_max) pub_backlog_max = backlog;
        if (backlog > MAX_PUB_BACKLOG) {
            fail(pub, "%zu bytes of publishes unsent: the open-loop rate of %.0f/s cannot be sustained "
                 "(the server does not read fast enough, or this process is saturated)", backlog, rate);
            return;
        }
        if (publish_one(at) < 0) return;
        open_next++;
        queued = 1;
    }
    if (queued) flush(pub);
}

/* ---- receiving ---- */

static void on_error_frame(struct conn *c, unsigned op, uint32_t id, const unsigned char *body, size_t blen) {
    unsigned code = blen >= 2 ? get_be16(body) : 0;
    size_t mlen = blen >= 4 ? get_be16(body + 2) : 0;
    if (mlen > blen - 4) mlen = blen >= 4 ? blen - 4 : 0;
    fail(c, "%s frame (request id %u): code %u: %.*s", op == OP_ERROR ? "ERROR" : "BYE",
         (unsigned)id, code, (int)mlen, blen >= 4 ? (const char *)body + 4 : "");
}

static int on_welcome(struct conn *c, uint32_t id, const unsigned char *body, size_t blen) {
    if (id != c->wait_id) {
        fail(c, "WELCOME for request id %u, expected %u", (unsigned)id, (unsigned)c->wait_id);
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
        idle_timeout_ms = get_be32(body + 13);
        size_t n = blen - 19 < sizeof server_name - 1 ? blen - 19 : sizeof server_name - 1;
        memcpy(server_name, body + 19, n);
        server_name[n] = '\0';
    }
    if (pub_frame_len - 4 > maxlen) {
        fail(c, "a PUBLISH of %zu bytes exceeds the server's max frame length %u", pub_frame_len - 4,
             (unsigned)maxlen);
        return -1;
    }
    if (c->is_pub) {
        pub_session = get_be64(body + 1);
        set_ready(c);
    } else {
        send_join(c);
    }
    return c->state == ST_CLOSED ? -1 : 0;
}

/* An EVENT on a subscriber: verify it and account for its sequence number. */
static int on_event_frame(struct conn *c, const unsigned char *body, size_t blen, uint64_t t_rx) {
    /* Another session publishing to the room (another client, or the server still working
     * through the publishes of an earlier run): not ours to check, but it perturbs the run. */
    if (blen >= 8 && (pub_session == 0 || get_be64(body) != pub_session)) {
        if (foreign_events++ == 0) {
            fprintf(stderr, "fanout_load: subscriber %d: EVENT from session %llu, not from this run's "
                    "publisher: ignored (and counted)\n", c->idx, (unsigned long long)get_be64(body));
        }
        return 0;
    }
    if (blen != event_body_len || memcmp(body + 8, event_prefix, event_prefix_len) != 0) {
        fail(c, "EVENT of %zu body bytes does not match the publish (room, event name or size; "
             "expected %zu bytes)", blen, event_body_len);
        return -1;
    }
    const unsigned char *pl = body + 8 + event_prefix_len;
    uint64_t seq = get_be64(pl), sent = get_be64(pl + 8);
    if (seq == 0 || seq > pub_seq) {
        fail(c, "EVENT with sequence number %llu, only %llu published", (unsigned long long)seq,
             (unsigned long long)pub_seq);
        return -1;
    }
    if (sent < run_start_ns || sent > t_rx || (rate > 0 && sent != open_time(seq))) {
        fail(c, "EVENT %llu carries a wrong send time", (unsigned long long)seq);
        return -1;
    }
    if (memcmp(pl + 16, filler, payload_size - 16) != 0) {
        fail(c, "EVENT %llu payload differs from the published one", (unsigned long long)seq);
        return -1;
    }
    if (t_rx >= measure_start_ns && t_rx < end_ns) rx_in_window++;
    int measured = first_measured != 0 && seq >= first_measured;
    int first = 0; /* the first arrival of this sequence number */
    if (seq > c->last_seq) {
        uint64_t d = seq - c->last_seq;
        c->seen_bits = d >= SEQ_WINDOW ? 1 : (c->seen_bits << d) | 1;
        c->last_seq = seq;
        first = 1;
    } else {
        uint64_t d = c->last_seq - seq;
        if (d < SEQ_WINDOW && (c->seen_bits >> d & 1)) {
            if (measured) dup_measured++; else dup_warm++;
        } else if (d < SEQ_WINDOW) {
            c->seen_bits |= 1ull << d;
            if (measured) reord_measured++; else reord_warm++;
            first = 1;
        } else {
            /* too old to tell a late first arrival from a duplicate: counted as reordered only */
            if (measured) reord_measured++; else reord_warm++;
            reord_unknown++;
        }
    }
    if (measured) {
        deliveries++;
        if (first) {
            c->distinct_measured++;
            total_distinct_live++;
            hist_record(&lat_hist, t_rx - sent);
        }
    } else {
        warm_deliveries++;
        if (first) c->distinct_warm++;
    }
    return 0;
}

/* An ACK on the publisher: acks come in request order. */
static int on_publish_ack(uint32_t id, size_t blen, uint64_t t_rx) {
    if (pub_acked >= pub_seq || id != (uint32_t)(pub_acked + 1) || blen != 0) {
        fail(pub, "ACK with request id %u (%zu payload bytes), expected an empty ACK for %u",
             (unsigned)id, blen, (unsigned)(pub_acked + 1));
        return -1;
    }
    uint64_t seq = ++pub_acked;
    if (first_measured != 0 && seq >= first_measured) {
        uint64_t sent = rate > 0 ? open_time(seq) : send_ring[seq & ring_mask];
        hist_record(&ack_hist, t_rx - sent);
        acks_measured++;
    }
    if (rate <= 0 && running && !stop) {
        uint64_t t = now_ns();
        if (t < end_ns) {
            if (publish_one(t) < 0) return -1;
            return flush(pub);
        }
    }
    return 0;
}

/* Handles one complete frame. Returns -1 if the connection failed. */
static int on_frame(struct conn *c, unsigned op, unsigned flags, uint32_t id,
                    const unsigned char *body, size_t blen, uint64_t t_rx) {
    if (op == OP_ERROR || op == OP_BYE) {
        on_error_frame(c, op, id, body, blen);
        return -1;
    }
    if (flags != 0) {
        fail(c, "frame with opcode 0x%02x has flags 0x%02x", op, flags);
        return -1;
    }
    switch (op) {
    case OP_PING: { /* the v1 server never sends one, but answer it */
        unsigned char *p = frame_begin(c, OP_PONG, 0, id, blen);
        if (p == NULL) return -1;
        memcpy(p, body, blen);
        pings_answered++;
        return flush(c);
    }
    case OP_PONG:
        pongs_ignored++;
        return 0;
    case OP_JOINED:
    case OP_LEFT:
        presence_ignored++;
        return 0;
    default:
        break;
    }
    if (c->state == ST_HELLO) {
        if (op != OP_WELCOME) {
            fail(c, "expected WELCOME, got opcode 0x%02x (request id %u)", op, (unsigned)id);
            return -1;
        }
        return on_welcome(c, id, body, blen);
    }
    if (c->state == ST_JOINING) {
        if (op != OP_ACK || id != c->wait_id || blen != 0) {
            fail(c, "expected an empty ACK for JOIN request id %u, got opcode 0x%02x id %u",
                 (unsigned)c->wait_id, op, (unsigned)id);
            return -1;
        }
        set_ready(c);
        return 0;
    }
    if (c->is_pub && op == OP_ACK) return on_publish_ack(id, blen, t_rx);
    if (!c->is_pub && op == OP_EVENT) return on_event_frame(c, body, blen, t_rx);
    fail(c, "unexpected opcode 0x%02x (request id %u)", op, (unsigned)id);
    return -1;
}

/* Parses whole frames from rbuf. Returns -1 if the connection failed. */
static int parse_frames(struct conn *c, uint64_t t_rx) {
    size_t pos = 0;
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
        if (on_frame(c, f[4], f[5], get_be32(f + 6), f + HEADER_BYTES, len - MIN_LENGTH, t_rx) < 0) {
            return -1;
        }
    }
    if (c->state == ST_CLOSED) return -1;
    if (pos > 0) {
        memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
        c->rlen -= pos;
    }
    return 0;
}

/* Reads what the socket has. Edge-triggered: read until EAGAIN or a short read. */
static void do_read(struct conn *c) {
    for (;;) {
        size_t asked = c->rcap - c->rlen; /* > 0: parse_frames leaves room for a whole frame */
        ssize_t n = recv(c->fd, c->rbuf + c->rlen, asked, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            fail(c, "recv: %s", strerror(errno));
            return;
        }
        if (n == 0) {
            fail(c, "connection closed by the server");
            return;
        }
        c->rlen += (size_t)n;
        if (parse_frames(c, now_ns()) < 0) return;
        if ((size_t)n < asked) return; /* drained; new data raises a new EPOLLIN edge */
    }
}

static void on_event(struct conn *c, uint32_t ev) {
    if (c->state == ST_CLOSED || c->state == ST_IDLE) return;
    if (c->state == ST_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
        if (err != 0) {
            fail(c, "connect: %s", strerror(err));
            return;
        }
        if (!(ev & EPOLLOUT)) return;
        send_hello(c);
        if (c->state == ST_CLOSED) return;
    }
    if ((ev & EPOLLOUT) && c->ooff < c->olen) {
        if (flush(c) < 0) return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) do_read(c);
}

/* Starts a non-blocking connect. */
static void start_conn(struct conn *c, const struct addrinfo *ai) {
    static const int one = 1;
    c->state = ST_CONNECTING;
    setup_inflight++;
    live++;
    if (!c->is_pub) live_subs++;
    c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail(c, "socket: %s", strerror(errno));
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        fail(c, "epoll_ctl: %s", strerror(errno));
        return;
    }
    if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        send_hello(c);
    } else if (errno != EINPROGRESS) {
        fail(c, "connect: %s", strerror(errno));
    }
}

/* Sends a PING on every ready connection that has sent nothing for a third of the idle timeout. */
static void heartbeat(uint64_t t) {
    if (idle_timeout_ms == 0) return;
    uint64_t quiet = (uint64_t)idle_timeout_ms * 1000000ull / 3;
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        if (c->state != ST_READY || t - c->last_tx_ns < quiet) continue;
        if (frame_begin(c, OP_PING, 0, take_id(c), 0) != NULL) flush(c);
    }
}

/* One round of the event loop: waits at most until `deadline` (and the next heartbeat check). */
static uint64_t next_heartbeat;
static struct epoll_event *events;
static int timer_fd = -1;
static int timer_tag;

static int poll_once(uint64_t deadline) {
    uint64_t t = now_ns();
    if (t >= next_heartbeat) {
        heartbeat(t);
        next_heartbeat = t + HEARTBEAT_CHECK_NS;
    }
    uint64_t until = deadline < next_heartbeat ? deadline : next_heartbeat;
    int ms = until > t ? (int)((until - t + 999999) / 1000000) : 0;
    publish_due(t);
    int n = epoll_wait(ep, events, MAX_EVENTS, ms);
    if (n < 0) {
        if (errno == EINTR) return 0;
        perror("epoll_wait");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (events[i].data.ptr == &timer_tag) {
            uint64_t expirations;
            if (read(timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) {
                perror("read(timerfd)");
                return -1;
            }
            publish_due(now_ns());
            continue;
        }
        on_event(events[i].data.ptr, events[i].events);
    }
    if (n > 0) publish_due(now_ns());
    return 0;
}

static void usage(const char *prog) {
    fprintf(stderr,
            "usage: %s -p PORT [-h HOST] [-S SUBSCRIBERS] [-s BYTES] [-r RATE] [-W WINDOW] [-d SECONDS]\n"
            "          [-w SECONDS] [-R ROOM] [-H HOST2] [-P PORT2]\n"
            "  -h host to connect to (default 127.0.0.1)\n"
            "  -p port of the framed listener (required)\n"
            "  -H, -P a second target (host default: -h): the second half of the subscribers connect there\n"
            "  -S subscriber connections, all in the room (default 1000, at most %d)\n"
            "  -s payload bytes per event, at least %d (default 64)\n"
            "  -r publishes per second on a fixed schedule; 0 = closed loop (default 0)\n"
            "  -W closed loop: publishes in flight (unacknowledged) at a time (default 1)\n"
            "  -d measured duration in seconds (default 10)\n"
            "  -w warm-up seconds, not counted (default 2)\n"
            "  -R room name (default bench)\n",
            prog, MAX_SUBSCRIBERS, MIN_PAYLOAD);
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
    const char *host2 = NULL;
    const char *port2 = NULL;
    double duration = 10, warmup = 2;
    long v;
    int opt;
    while ((opt = getopt(argc, argv, "h:p:S:s:r:W:d:w:R:H:P:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'H': host2 = optarg; break;
        case 'P':
            if (parse_long(optarg, 1, 65535, &v) < 0) goto bad;
            port2 = optarg;
            break;
        case 'p':
            if (parse_long(optarg, 1, 65535, &v) < 0) goto bad;
            port = optarg;
            break;
        case 'S':
            if (parse_long(optarg, 1, MAX_SUBSCRIBERS, &v) < 0) goto bad;
            nsubs = (int)v;
            break;
        case 's':
            if (parse_long(optarg, MIN_PAYLOAD, MAX_PAYLOAD, &v) < 0) goto bad;
            payload_size = (size_t)v;
            break;
        case 'r':
            if (parse_double(optarg, &rate) < 0) goto bad;
            break;
        case 'W':
            if (parse_long(optarg, 1, 1 << 20, &v) < 0) goto bad;
            window = (int)v;
            break;
        case 'd':
            if (parse_double(optarg, &duration) < 0 || duration <= 0) goto bad;
            break;
        case 'w':
            if (parse_double(optarg, &warmup) < 0) goto bad;
            break;
        case 'R':
            room = optarg;
            if (strlen(optarg) < 1 || strlen(optarg) > MAX_ROOM_NAME) goto bad;
            break;
        default:
            usage(argv[0]);
            return 2;
        }
    }
    if (port == NULL || optind != argc || (host2 != NULL && port2 == NULL)) {
        usage(argv[0]);
        return 2;
    }
    if (host2 == NULL) host2 = host;
    room_len = strlen(room);
    nconns = nsubs + 1;

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
            getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)nconns + 16 > rl.rlim_cur) {
            fprintf(stderr, "fanout_load: %d connections exceed the open-file limit of %llu\n",
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

    /* Templates: the PUBLISH frame, the filler and the EVENT body between sender and payload. */
    filler = malloc(payload_size - 16 + 1);
    size_t pub_body = 1 + 2 + room_len + 2 + strlen(EVENT_NAME) + payload_size;
    pub_frame_len = HEADER_BYTES + pub_body;
    pub_template = malloc(pub_frame_len);
    event_prefix_len = 1 + 2 + room_len + 2 + strlen(EVENT_NAME);
    event_prefix = malloc(event_prefix_len);
    event_body_len = 8 + event_prefix_len + payload_size;
    if (filler == NULL || pub_template == NULL || event_prefix == NULL) {
        perror("malloc");
        return 1;
    }
    for (size_t j = 0; j < payload_size - 16; j++) filler[j] = (unsigned char)('a' + j % 26);
    unsigned char *p = event_prefix;
    *p++ = TARGET_ROOM;
    put_be16(p, (uint16_t)room_len);
    memcpy(p + 2, room, room_len);
    p += 2 + room_len;
    put_be16(p, (uint16_t)strlen(EVENT_NAME));
    memcpy(p + 2, EVENT_NAME, strlen(EVENT_NAME));
    put_be32(pub_template, (uint32_t)(MIN_LENGTH + pub_body));
    pub_template[4] = OP_PUBLISH;
    pub_template[5] = FLAG_ACK;
    put_be32(pub_template + 6, 0);
    memcpy(pub_template + HEADER_BYTES, event_prefix, event_prefix_len); /* same layout as PUBLISH */
    pub_payload_off = HEADER_BYTES + event_prefix_len;
    memset(pub_template + pub_payload_off, 0, 16);
    memcpy(pub_template + pub_payload_off + 16, filler, payload_size - 16);
    if (rate <= 0) {
        uint64_t ring = 1;
        while (ring < (uint64_t)window + 1) ring <<= 1;
        send_ring = calloc(ring, sizeof *send_ring);
        if (send_ring == NULL) {
            perror("calloc");
            return 1;
        }
        ring_mask = ring - 1;
    } else {
        interval_ns = 1e9 / rate;
    }

    struct addrinfo hints, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "fanout_load: %s:%s: %s\n", host, port, gai_strerror(gai));
        return 2;
    }
    struct addrinfo *ai2 = ai;
    if (port2 != NULL) {
        gai = getaddrinfo(host2, port2, &hints, &ai2);
        if (gai != 0) {
            fprintf(stderr, "fanout_load: %s:%s: %s\n", host2, port2, gai_strerror(gai));
            return 2;
        }
    }

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("epoll_create1");
        return 1;
    }
    conns = calloc((size_t)nconns, sizeof *conns);
    events = calloc(MAX_EVENTS, sizeof *events);
    if (conns == NULL || events == NULL) {
        perror("calloc");
        return 1;
    }
    /* Receive buffers: many events per read, and always room for two whole events. */
    size_t rcap = nsubs <= 4096 ? 16384 : 4096;
    if (rcap < 2 * (HEADER_BYTES + event_body_len)) rcap = 2 * (HEADER_BYTES + event_body_len);
    for (int i = 0; i < nconns; i++) {
        struct conn *c = &conns[i];
        c->idx = i;
        c->fd = -1;
        c->is_pub = i == nsubs;
        c->state = ST_IDLE;
        c->next_id = 1;
        c->rcap = rcap;
        c->rbuf = malloc(rcap);
        if (c->rbuf == NULL) {
            perror("malloc");
            return 1;
        }
    }
    pub = &conns[nsubs];

    /* Phase 1: connect and handshake everything, at most MAX_SETUP_INFLIGHT at a time (the
     * server's accept backlog is limited); subscribers JOIN and wait for the ACK. */
    uint64_t t_setup = now_ns();
    uint64_t setup_deadline = t_setup + SETUP_TIMEOUT_NS + SETUP_PER_CONN_NS * (uint64_t)nconns;
    next_heartbeat = t_setup + HEARTBEAT_CHECK_NS;
    int next_start = nconns - 1; /* the publisher first, so its WELCOME is seen early */
    int started = 0;
    for (;;) {
        while (started < nconns && setup_inflight < MAX_SETUP_INFLIGHT && !stop) {
            /* Subscribers 0 .. nsubs/2-1 and the publisher on the first target, the rest on the second. */
            start_conn(&conns[next_start], next_start < nsubs && next_start >= nsubs / 2 ? ai2 : ai);
            next_start = (next_start + 1) % nconns;
            started++;
        }
        if ((started == nconns && setup_inflight == 0) || stop) break;
        if (now_ns() >= setup_deadline) {
            for (int i = 0; i < nconns; i++) {
                struct conn *c = &conns[i];
                if (c->state == ST_CONNECTING || c->state == ST_HELLO || c->state == ST_JOINING) {
                    fail(c, "%s timed out", c->state == ST_CONNECTING ? "connect"
                         : c->state == ST_HELLO ? "handshake" : "JOIN");
                }
            }
            break;
        }
        if (poll_once(setup_deadline) < 0) return 1;
    }
    if (ai2 != ai) freeaddrinfo(ai2);
    freeaddrinfo(ai);
    int established = live_subs;
    double setup_s = (double)(now_ns() - t_setup) / 1e9;
    if (started < nconns) error_msg("interrupted during set-up: %d of %d connections started", started, nconns);
    /* On stderr (unbuffered) as it happens, for scripts that sample the server over the window. */
    fprintf(stderr, "fanout_load: set-up done in %.2f s; warm-up %.1f s, then %.1f s measured\n", setup_s,
            warmup, duration);

    /* Phase 2: warm-up, then the measured window. */
    uint64_t stop_ns = 0, drain_s_ns = 0;
    if (pub->state == ST_READY && !stop) {
        run_start_ns = now_ns();
        measure_start_ns = run_start_ns + (uint64_t)(warmup * 1e9);
        end_ns = measure_start_ns + (uint64_t)(duration * 1e9);
        running = 1;
        if (rate > 0) {
            timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
            if (timer_fd < 0) {
                perror("timerfd_create");
                return 1;
            }
            uint64_t period = interval_ns < (double)MIN_TIMER_PERIOD_NS ? MIN_TIMER_PERIOD_NS
                                                                        : (uint64_t)interval_ns;
            struct itimerspec its;
            memset(&its, 0, sizeof its);
            its.it_value.tv_sec = (time_t)(run_start_ns / 1000000000ull);
            its.it_value.tv_nsec = (long)(run_start_ns % 1000000000ull);
            its.it_interval.tv_sec = (time_t)(period / 1000000000ull);
            its.it_interval.tv_nsec = (long)(period % 1000000000ull);
            struct epoll_event ev;
            memset(&ev, 0, sizeof ev);
            ev.events = EPOLLIN;
            ev.data.ptr = &timer_tag;
            if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ||
                epoll_ctl(ep, EPOLL_CTL_ADD, timer_fd, &ev) < 0) {
                perror("timerfd");
                return 1;
            }
            publish_due(now_ns());
        } else {
            for (int i = 0; i < window && pub->state == ST_READY; i++) {
                if (publish_one(now_ns()) < 0) break;
            }
            if (pub->state == ST_READY) flush(pub);
        }
        uint64_t t;
        for (;;) {
            t = now_ns();
            if (t >= end_ns || stop || pub->state != ST_READY || live_subs == 0) break;
            if (poll_once(end_ns) < 0) return 1;
        }
        running = 0;
        stop_ns = t < end_ns ? t : end_ns;
        if (timer_fd >= 0) {
            close(timer_fd);
            timer_fd = -1;
        }

        /* Phase 3: up to STRAGGLER_NS for the events and acks still under way. */
        uint64_t drain_start = now_ns(), drain_deadline = drain_start + STRAGGLER_NS;
        for (;;) {
            uint64_t measured_pubs = first_measured ? pub_seq - first_measured + 1 : 0;
            int subs_done = total_distinct_live >= measured_pubs * (uint64_t)live_subs;
            int acks_done = pub->state != ST_READY || pub_acked == pub_seq;
            if ((subs_done && acks_done) || stop || live == 0 || now_ns() >= drain_deadline) break;
            if (poll_once(drain_deadline) < 0) return 1;
        }
        drain_s_ns = now_ns() - drain_start;
    } else if (!stop) {
        error_msg("the publisher is not connected; nothing published");
    }

    /* Accounting: every live subscriber should have every published sequence number once. */
    uint64_t publishes = first_measured ? pub_seq - first_measured + 1 : 0;
    uint64_t warm_publishes = first_measured ? first_measured - 1 : pub_seq;
    uint64_t missing = 0, warm_missing = 0, min_got = UINT64_MAX, max_got = 0, tail = 0, warm_tail = 0;
    for (int i = 0; i < nsubs; i++) {
        struct conn *c = &conns[i];
        if (c->state != ST_READY) continue;
        if (c->distinct_measured < publishes) missing += publishes - c->distinct_measured;
        uint64_t t_sub = pub_seq - c->last_seq; /* never arrived, and nothing later did either */
        tail += t_sub < publishes ? t_sub : publishes;
        if (c->last_seq < warm_publishes) warm_tail += warm_publishes - c->last_seq;
        if (c->distinct_warm < warm_publishes) warm_missing += warm_publishes - c->distinct_warm;
        if (c->distinct_measured < min_got) min_got = c->distinct_measured;
        if (c->distinct_measured > max_got) max_got = c->distinct_measured;
    }
    if (min_got == UINT64_MAX) min_got = 0;
    int pub_ok = pub->state == ST_READY;
    uint64_t unacked = pub_seq - pub_acked;

    for (int i = 0; i < nconns; i++) {
        if (conns[i].fd >= 0) close(conns[i].fd);
        free(conns[i].obuf);
        free(conns[i].rbuf);
    }
    free(conns);
    free(events);
    free(send_ring);
    free(filler);
    free(pub_template);
    free(event_prefix);
    close(ep);

    double measured_s = stop_ns > measure_start_ns ? (double)(stop_ns - measure_start_ns) / 1e9 : 0;
    double dps = measured_s > 0 ? (double)deliveries / measured_s : 0;
    double pps = measured_s > 0 ? (double)publishes / measured_s : 0;
    double us = 1e-3;
    printf("fanout_load: target=%s:%s room='%s' subscribers=%d (%d joined in %.2f s) payload=%zu B\n",
           host, port, room, nsubs, established, setup_s, payload_size);
    if (port2 != NULL)
        printf("  split        subscribers %d..%d on %s:%s, the publisher and the others on %s:%s\n",
               nsubs / 2, nsubs - 1, host2, port2, host, port);
    if (rate > 0) printf("  mode         open loop, %.1f publishes/s on a fixed schedule\n", rate);
    else printf("  mode         closed loop, %d publish%s in flight\n", window, window == 1 ? "" : "es");
    if (welcome_seen) {
        printf("  server       '%s', max frame length %llu, idle timeout %u ms, publisher session %llu\n",
               server_name, (unsigned long long)server_max_length, (unsigned)idle_timeout_ms,
               (unsigned long long)pub_session);
    }
    printf("  warm-up      %.2f s (publishes 1..%llu, %llu deliveries, not counted)\n", warmup,
           (unsigned long long)warm_publishes, (unsigned long long)warm_deliveries);
    printf("  measured     %.2f s%s, then %.2f s waiting for stragglers\n", measured_s,
           stop ? " (interrupted)" : "", (double)drain_s_ns / 1e9);
    printf("  publishes    %llu  (%.1f/s; %llu acknowledged in all, %llu not)\n",
           (unsigned long long)publishes, pps, (unsigned long long)pub_acked, (unsigned long long)unacked);
    printf("  deliveries   %llu  (%.1f/s, %.2f MB/s of payload; expected %llu = %llu x %d live subscribers;"
           " per subscriber %llu..%llu)\n",
           (unsigned long long)deliveries, dps, dps * (double)payload_size / 1e6,
           (unsigned long long)(publishes * (uint64_t)live_subs), (unsigned long long)publishes, live_subs,
           (unsigned long long)min_got, (unsigned long long)max_got);
    hist_print("delivery us", &lat_hist);
    hist_print("ack us", &ack_hist);
    if (rate > 0) printf("  send backlog max %llu bytes\n", (unsigned long long)pub_backlog_max);
    printf("  received     %llu events inside the measured window (%.1f/s, any sequence number)\n",
           (unsigned long long)rx_in_window, measured_s > 0 ? (double)rx_in_window / measured_s : 0);
    if (tail > missing) tail = missing;
    printf("  integrity    missing %llu (%llu in holes: later events arrived; %llu at the tail: nothing later "
           "arrived)  duplicates %llu  reordered %llu%s\n", (unsigned long long)missing,
           (unsigned long long)(missing - tail), (unsigned long long)tail,
           (unsigned long long)dup_measured, (unsigned long long)reord_measured,
           reord_unknown ? " (some too late to tell from duplicates)" : "");
    if (warm_missing || dup_warm || reord_warm) {
        if (warm_tail > warm_missing) warm_tail = warm_missing;
        printf("  warm-up      missing %llu (%llu in holes, %llu at the tail)  duplicates %llu  reordered %llu "
               "(not in RESULT; exit status 1)\n", (unsigned long long)warm_missing,
               (unsigned long long)(warm_missing - warm_tail), (unsigned long long)warm_tail,
               (unsigned long long)dup_warm, (unsigned long long)reord_warm);
    }
    if (pings_answered || pongs_ignored || presence_ignored) {
        printf("  other        %llu PINGs answered, %llu PONGs and %llu JOINED/LEFT ignored\n",
               (unsigned long long)pings_answered, (unsigned long long)pongs_ignored,
               (unsigned long long)presence_ignored);
    }
    if (foreign_events) {
        printf("  foreign      %llu events in room '%s' from other publishers, ignored: the run was perturbed\n",
               (unsigned long long)foreign_events, room);
    }
    printf("  errors       %llu\n", (unsigned long long)errors);
    printf("RESULT mode=fanout subscribers=%d size=%zu rate=%.0f publishes=%llu deliveries=%llu "
           "deliveries_per_s=%.1f publishes_per_s=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f "
           "max_us=%.1f missing=%llu duplicates=%llu reordered=%llu errors=%llu\n",
           nsubs, payload_size, rate, (unsigned long long)publishes, (unsigned long long)deliveries, dps, pps,
           (double)hist_quantile(&lat_hist, 0.50) * us, (double)hist_quantile(&lat_hist, 0.90) * us,
           (double)hist_quantile(&lat_hist, 0.99) * us, (double)hist_quantile(&lat_hist, 0.999) * us,
           (double)lat_hist.max * us, (unsigned long long)missing, (unsigned long long)dup_measured,
           (unsigned long long)reord_measured, (unsigned long long)errors);
    fflush(stdout);
    if (errors > 0 || missing > 0 || dup_measured > 0 || reord_measured > 0) return 1;
    if (warm_missing > 0 || dup_warm > 0 || reord_warm > 0) {
        fprintf(stderr, "fanout_load: events missing, duplicated or reordered during the warm-up\n");
        return 1;
    }
    if (foreign_events > 0) {
        fprintf(stderr, "fanout_load: %llu events from other publishers arrived in room '%s' (another client, "
                "or the server still working through an earlier run's publishes; use a fresh -R room)\n",
                (unsigned long long)foreign_events, room);
        return 1;
    }
    if (!pub_ok || deliveries == 0) {
        fprintf(stderr, "fanout_load: no measured event was delivered\n");
        return 1;
    }
    return 0;

bad:
    fprintf(stderr, "fanout_load: bad value for -%c: '%s'\n", opt, optarg);
    usage(argv[0]);
    return 2;
}
