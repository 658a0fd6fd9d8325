/*
 * bulk_load: a single-threaded epoll load generator for raw TCP echo servers with bulk messages:
 * C connections, each keeping W messages of S bytes in flight (pipelined, closed loop: when the
 * echo of a whole message is back, the next one is queued).
 *
 * Usage: bulk_load -p PORT [-h HOST] [-c CONNS] [-s BYTES] [-W INFLIGHT] [-d SECONDS] [-w SECONDS]
 *
 * Latency of a message: from the moment it is queued for sending to the moment its last echoed
 * byte is read (CLOCK_MONOTONIC), into a log-linear histogram (128 sub-buckets per power of two,
 * under 1% error). Echoed bytes are compared with what was sent. Fairness: the messages each
 * connection completed inside the measured window (min, max) show whether the server starves
 * some connections while it serves others.
 *
 * Output: a human-readable block and one line
 *   RESULT conns=C size=S inflight=W duration_s=D msgs=N msgs_per_s=R mib_per_s=M p50_us=...
 *          p99_us=... p999_us=... max_us=... conn_min=... conn_max=... total_msgs=T errors=E
 * (total_msgs: every message echoed, warm-up included, for costs per message measured outside).
 * Exit status 0 when there were no errors and messages completed, 1 otherwise, 2 for bad usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SUB 128
#define NBUCKETS (64 * SUB)
#define RBUF (256 * 1024)

static uint64_t hist[NBUCKETS], hist_n, hist_max;

static unsigned bucket(uint64_t ns) {
    if (ns < SUB) return (unsigned)ns;
    int msb = 63 - __builtin_clzll(ns);           /* ns in [2^msb, 2^(msb+1)) */
    int shift = msb - 7;                          /* 128 sub-buckets: keep 7 bits below the msb */
    return (unsigned)((msb - 6) * SUB + ((ns >> shift) - SUB));
}

static uint64_t bucket_top(unsigned b) {
    if (b < SUB) return b;
    unsigned msb = b / SUB + 6, sub = b % SUB;
    unsigned shift = msb - 7;
    return ((uint64_t)(SUB + sub + 1) << shift) - 1;
}

static void record(uint64_t ns) {
    hist[bucket(ns)]++;
    hist_n++;
    if (ns > hist_max) hist_max = ns;
}

static double quantile_us(double q) {
    if (hist_n == 0) return 0;
    uint64_t want = (uint64_t)ceil(q * (double)hist_n), seen = 0;
    for (unsigned b = 0; b < NBUCKETS; b++) {
        seen += hist[b];
        if (seen >= want) {
            uint64_t v = bucket_top(b);
            return (double)(v > hist_max ? hist_max : v) / 1000.0;
        }
    }
    return (double)hist_max / 1000.0;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct conn {
    int fd;
    int want_out;          /* EPOLLOUT registered */
    uint64_t queued;       /* messages queued so far */
    uint64_t done;         /* messages whose echo is complete */
    uint64_t sent;         /* stream bytes written */
    uint64_t recvd;        /* stream bytes read */
    uint64_t measured;     /* completed inside the measured window */
    uint64_t *queued_at;   /* W slots: when message k was queued, at k % W */
};

static size_t size = 65536;
static unsigned inflight = 4;
static unsigned char *pattern; /* size + 256 bytes; message k is pattern + (k % 256) */
static uint64_t errors;
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void err(const char *what, int fd) {
    if (errors++ < 20) fprintf(stderr, "bulk_load: fd %d: %s\n", fd, what);
}

/* Writes queued bytes until done or EAGAIN; returns -1 on error. */
static int pump_out(struct conn *c) {
    uint64_t total = c->queued * size;
    while (c->sent < total) {
        uint64_t msg = c->sent / size, off = c->sent % size;
        ssize_t n = send(c->fd, pattern + (msg % 256) + off, size - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
            return -1;
        }
        c->sent += (uint64_t)n;
    }
    return 0;
}

static void update_interest(int ep, struct conn *c, int need_out) {
    if (need_out == c->want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (need_out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = need_out;
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 0, conns = 8;
    double duration = 10, warmup = 2;
    int opt;
    while ((opt = getopt(argc, argv, "h:p:c:s:W:d:w:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'c': conns = atoi(optarg); break;
        case 's': size = (size_t)strtoul(optarg, NULL, 10); break;
        case 'W': inflight = (unsigned)atoi(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        default: goto usage;
        }
    }
    if (port < 1 || port > 65535 || conns < 1 || conns > 10000 || size < 1 || size > (64u << 20)
        || inflight < 1 || inflight > 4096 || duration <= 0 || warmup < 0) {
    usage:
        fprintf(stderr, "usage: bulk_load -p PORT [-h HOST] [-c CONNS] [-s BYTES] [-W INFLIGHT] "
                        "[-d SECONDS] [-w SECONDS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    pattern = malloc(size + 256);
    for (size_t i = 0; i < size + 256; i++) pattern[i] = (unsigned char)(i * 131 + (i >> 9));
    unsigned char *rbuf = malloc(RBUF);
    struct conn *cs = calloc((size_t)conns, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "bulk_load: bad host %s\n", host);
        return 2;
    }
    for (int i = 0; i < conns; i++) {
        struct conn *c = &cs[i];
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
            perror("bulk_load: connect");
            return 1;
        }
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->queued_at = calloc(inflight, sizeof *c->queued_at);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    uint64_t start = now_ns();
    uint64_t measure_from = start + (uint64_t)(warmup * 1e9);
    uint64_t measure_to = measure_from + (uint64_t)(duration * 1e9);
    for (int i = 0; i < conns; i++) {
        struct conn *c = &cs[i];
        for (unsigned k = 0; k < inflight; k++) c->queued_at[c->queued++ % inflight] = start;
        int r = pump_out(c);
        if (r < 0) err("send failed", c->fd);
        update_interest(ep, c, r == 1);
    }

    struct epoll_event evs[256];
    uint64_t measured = 0;
    while (!stop) {
        uint64_t t = now_ns();
        if (t >= measure_to) break;
        int timeout = (int)((measure_to - t) / 1000000) + 1;
        int n = epoll_wait(ep, evs, 256, timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int e = 0; e < n; e++) {
            struct conn *c = evs[e].data.ptr;
            if (c->fd < 0) continue;
            if (evs[e].events & EPOLLIN) {
                ssize_t r = recv(c->fd, rbuf, RBUF, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    err(r == 0 ? "EOF from the server" : strerror(errno), c->fd);
                    close(c->fd);
                    c->fd = -1;
                    continue;
                }
                if (r > 0) {
                    if (c->recvd + (uint64_t)r > c->sent) {
                        err("more bytes back than sent", c->fd);
                    }
                    /* Compare the echo with what was sent, message by message. */
                    size_t checked = 0;
                    while (checked < (size_t)r) {
                        uint64_t pos = c->recvd + checked, msg = pos / size, off = pos % size;
                        size_t chunk = size - off;
                        if (chunk > (size_t)r - checked) chunk = (size_t)r - checked;
                        if (memcmp(rbuf + checked, pattern + (msg % 256) + off, chunk) != 0) {
                            err("echoed bytes differ", c->fd);
                        }
                        checked += chunk;
                    }
                    c->recvd += (uint64_t)r;
                    uint64_t at = now_ns();
                    while (c->recvd >= (c->done + 1) * size) {
                        uint64_t q = c->queued_at[c->done % inflight];
                        if (q >= measure_from && at <= measure_to) {
                            record(at - q);
                            c->measured++;
                            measured++;
                        }
                        c->done++;
                        c->queued_at[c->queued++ % inflight] = at;
                    }
                }
            }
            if (c->fd >= 0) {
                int r = pump_out(c);
                if (r < 0) {
                    err("send failed", c->fd);
                    close(c->fd);
                    c->fd = -1;
                    continue;
                }
                update_interest(ep, c, r == 1);
            }
        }
    }

    uint64_t cmin = UINT64_MAX, cmax = 0, total = 0;
    for (int i = 0; i < conns; i++) {
        total += cs[i].done;
        if (cs[i].measured < cmin) cmin = cs[i].measured;
        if (cs[i].measured > cmax) cmax = cs[i].measured;
    }
    double rate = (double)measured / duration;
    double mib = rate * (double)size / (1024.0 * 1024.0);
    printf("bulk_load: %d connections x %u in flight x %zu bytes, %.1f s measured after %.1f s warm-up\n",
           conns, inflight, size, duration, warmup);
    printf("  messages %llu (%.1f/s, %.1f MiB/s echoed)\n", (unsigned long long)measured, rate, mib);
    printf("  latency us: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", quantile_us(0.5), quantile_us(0.99),
           quantile_us(0.999), (double)hist_max / 1000.0);
    printf("  per connection in the window: min %llu  max %llu\n", (unsigned long long)cmin,
           (unsigned long long)cmax);
    printf("RESULT conns=%d size=%zu inflight=%u duration_s=%.2f msgs=%llu msgs_per_s=%.1f mib_per_s=%.1f "
           "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f conn_min=%llu conn_max=%llu total_msgs=%llu errors=%llu\n",
           conns, size, inflight, duration, (unsigned long long)measured, rate, mib, quantile_us(0.5),
           quantile_us(0.99), quantile_us(0.999), (double)hist_max / 1000.0, (unsigned long long)cmin,
           (unsigned long long)cmax, (unsigned long long)total, (unsigned long long)errors);
    return errors == 0 && measured > 0 ? 0 : 1;
}
