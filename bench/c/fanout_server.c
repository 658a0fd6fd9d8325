/*
 * fanout_server: the floor for room fan-out. A single-threaded, level-triggered epoll server
 * speaking the subset of Switchboard's framed protocol v1 that fanout_load uses, and nothing more,
 * so that the kernel's own cost of one delivery at each room size is known.
 *
 *   fanout_server [-b] PORT [ADDRESS]   (ADDRESS default 127.0.0.1; stops on SIGINT or SIGTERM)
 *
 *   default  one write() per member per event: the kernel's cost of a delivery, unbatched
 *   -b       batched: events are appended to each member's buffer and every member written to in
 *            a batch of epoll events gets one write() at the end of the batch (what Switchboard's
 *            flush consolidation aims at)
 *
 * Frames (big-endian): uint32 length (bytes after this field, >= 6), uint8 opcode, uint8 flags,
 * uint32 request id, body. str16 = uint16 count + UTF-8.
 *   HELLO 0x01 -> WELCOME 0x02 (u8 version 1, u64 session id, u32 max frame length, u32 idle ms 0,
 *                               str16 server name)
 *   JOIN 0x10 str16 room -> the connection joins the room; ACK 0x14 (empty) if flag ACK 0x01
 *   LEAVE 0x11 str16 room -> leaves it; ACK if flag ACK
 *   PUBLISH 0x12 u8 target (0: room; nothing else), str16 room, str16 event, payload
 *        -> EVENT 0x13 (u64 sender, u8 target 0, str16 room, str16 event, payload) to every
 *           other member of the room, encoded once and written with one write() per member;
 *           then ACK (empty) to the publisher if flag ACK
 *   PING 0x03 -> PONG 0x04 with the same body; BYE 0x08 -> close
 *   anything else, or a malformed frame -> ERROR 0x07 (u16 code 400, str16 message) and close
 *
 * What a member's socket does not take at once is kept in its buffer (in order, before anything
 * later) and written when EPOLLOUT says there is room: nothing is dropped, as Switchboard's
 * default slow-consumer policy does not drop for these sizes either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define OP_HELLO 0x01
#define OP_WELCOME 0x02
#define OP_PING 0x03
#define OP_PONG 0x04
#define OP_ERROR 0x07
#define OP_BYE 0x08
#define OP_JOIN 0x10
#define OP_LEAVE 0x11
#define OP_PUBLISH 0x12
#define OP_EVENT 0x13
#define OP_ACK 0x14
#define FLAG_ACK 0x01
#define HEADER_BYTES 10
#define MIN_LENGTH 6
#define MAX_LENGTH (1u << 20)
#define MAX_CONNS 20000
#define MAX_ROOMS 64
#define SERVER_NAME "fanout_server (C floor)"

struct conn {
    int fd;
    uint64_t session;
    unsigned char *rbuf;
    size_t rlen, rcap;
    unsigned char *obuf; /* unsent output, in order */
    size_t ooff, olen, ocap;
    int want_out;        /* EPOLLOUT registered */
    int closing;
    int dirty;           /* batched mode: has output to write at the end of the batch */
    struct conn *next_dead;
};

struct room {
    char *name;
    size_t name_len;
    struct conn **members;
    size_t count, cap;
};

static struct conn *conns[MAX_CONNS + 16]; /* by fd */
static struct room rooms[MAX_ROOMS];
static size_t room_count;
static int ep;
static uint64_t next_session = 1;
static struct conn *dead; /* closed, freed after the batch */
static int batched;
static struct conn **dirty;   /* batched mode: members to write at the end of the batch */
static size_t dirty_count;
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static uint32_t get_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t get_be16(const unsigned char *p) {
    return (uint16_t)(p[0] << 8 | p[1]);
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

static void close_conn(struct conn *c);

static void watch_output(struct conn *c, int on) {
    if (c->want_out == on) return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = on;
}

/* Appends n bytes to c's unsent output. Returns -1 (and closes c) when out of memory. */
static int append(struct conn *c, const unsigned char *p, size_t n) {
    if (c->ocap - c->olen < n) {
        if (c->ooff > 0) {
            memmove(c->obuf, c->obuf + c->ooff, c->olen - c->ooff);
            c->olen -= c->ooff;
            c->ooff = 0;
        }
        size_t cap = c->ocap ? c->ocap : 4096;
        while (cap - c->olen < n) cap *= 2;
        unsigned char *nb = realloc(c->obuf, cap);
        if (nb == NULL) {
            close_conn(c);
            return -1;
        }
        c->obuf = nb;
        c->ocap = cap;
    }
    memcpy(c->obuf + c->olen, p, n);
    c->olen += n;
    return 0;
}

/* Appends n bytes to c's unsent output and waits for EPOLLOUT to write them. */
static void keep(struct conn *c, const unsigned char *p, size_t n) {
    if (append(c, p, n) == 0) watch_output(c, 1);
}

/* Writes what c still holds; EPOLLOUT stays registered while something is left. */
static void drain(struct conn *c) {
    while (c->ooff < c->olen) {
        ssize_t n = write(c->fd, c->obuf + c->ooff, c->olen - c->ooff);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                watch_output(c, 1);
                return;
            }
            close_conn(c);
            return;
        }
        c->ooff += (size_t)n;
    }
    c->ooff = c->olen = 0;
    watch_output(c, 0);
    if (c->closing) close_conn(c);
}

/* Sends n bytes to c: one write() when nothing is queued before them, else queued in order. */
static void send_bytes(struct conn *c, const unsigned char *p, size_t n) {
    if (c->closing) return;
    if (batched) {
        if (!c->dirty && !c->want_out) {
            c->dirty = 1;
            dirty[dirty_count++] = c;
        }
        append(c, p, n);
        return;
    }
    if (c->olen > c->ooff) {
        keep(c, p, n);
        return;
    }
    ssize_t w;
    do {
        w = write(c->fd, p, n);
    } while (w < 0 && errno == EINTR);
    if (w < 0) {
        if (errno != EAGAIN) {
            close_conn(c);
            return;
        }
        w = 0;
    }
    if ((size_t)w < n) keep(c, p + w, n - (size_t)w);
}

static void send_frame(struct conn *c, unsigned op, uint32_t id, const unsigned char *body, size_t blen) {
    unsigned char hdr[HEADER_BYTES + 64];
    if (blen <= 64) {
        put_be32(hdr, (uint32_t)(MIN_LENGTH + blen));
        hdr[4] = (unsigned char)op;
        hdr[5] = 0;
        put_be32(hdr + 6, id);
        if (blen > 0) memcpy(hdr + HEADER_BYTES, body, blen);
        send_bytes(c, hdr, HEADER_BYTES + blen);
        return;
    }
    unsigned char *buf = malloc(HEADER_BYTES + blen);
    if (buf == NULL) {
        close_conn(c);
        return;
    }
    put_be32(buf, (uint32_t)(MIN_LENGTH + blen));
    buf[4] = (unsigned char)op;
    buf[5] = 0;
    put_be32(buf + 6, id);
    memcpy(buf + HEADER_BYTES, body, blen);
    send_bytes(c, buf, HEADER_BYTES + blen);
    free(buf);
}

static void refuse(struct conn *c, uint32_t id, const char *message) {
    unsigned char body[2 + 2 + 128];
    size_t len = strlen(message);
    if (len > 128) len = 128;
    put_be16(body, 400);
    put_be16(body + 2, (uint16_t)len);
    memcpy(body + 4, message, len);
    send_frame(c, OP_ERROR, id, body, 4 + len);
    c->closing = 1;
}

static struct room *find_room(const unsigned char *name, size_t len, int create) {
    for (size_t i = 0; i < room_count; i++) {
        if (rooms[i].name_len == len && memcmp(rooms[i].name, name, len) == 0) return &rooms[i];
    }
    if (!create || room_count == MAX_ROOMS) return NULL;
    struct room *r = &rooms[room_count];
    r->name = malloc(len + 1);
    if (r->name == NULL) return NULL;
    memcpy(r->name, name, len);
    r->name_len = len;
    room_count++;
    return r;
}

static void leave_room(struct room *r, struct conn *c) {
    for (size_t i = 0; i < r->count; i++) {
        if (r->members[i] == c) {
            r->members[i] = r->members[--r->count];
            return;
        }
    }
}

static int join_room(struct room *r, struct conn *c) {
    for (size_t i = 0; i < r->count; i++) {
        if (r->members[i] == c) return 0;
    }
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct conn **nm = realloc(r->members, cap * sizeof *nm);
        if (nm == NULL) return -1;
        r->members = nm;
        r->cap = cap;
    }
    r->members[r->count++] = c;
    return 0;
}

/* Closes c at once; its memory is freed after the current batch of epoll events, which may
 * still name it (handlers skip a connection whose fd is -1). */
static void close_conn(struct conn *c) {
    if (c->fd < 0) return;
    for (size_t i = 0; i < room_count; i++) leave_room(&rooms[i], c);
    conns[c->fd] = NULL;
    close(c->fd);
    c->fd = -1;
    c->next_dead = dead;
    dead = c;
}

static void free_dead(void) {
    while (dead != NULL) {
        struct conn *c = dead;
        dead = c->next_dead;
        free(c->rbuf);
        free(c->obuf);
        free(c);
    }
}

/* Reads a str16 at *p (within end); returns its length, or -1 when malformed. */
static long str16(const unsigned char **p, const unsigned char *end, const unsigned char **s) {
    if (end - *p < 2) return -1;
    size_t n = get_be16(*p);
    if ((size_t)(end - *p - 2) < n) return -1;
    *s = *p + 2;
    *p += 2 + n;
    return (long)n;
}

static void publish(struct conn *c, unsigned flags, uint32_t id, const unsigned char *body, size_t blen) {
    const unsigned char *p = body, *end = body + blen, *room_name, *event;
    if (blen < 1 || *p++ != 0) {
        refuse(c, id, "only room publishes (target 0) are supported");
        return;
    }
    long rl = str16(&p, end, &room_name), el = str16(&p, end, &event);
    if (rl < 0 || el < 0) {
        refuse(c, id, "malformed PUBLISH");
        return;
    }
    /* EVENT body: u64 sender, u8 target, str16 room, str16 event, payload: encoded once. */
    size_t payload = (size_t)(end - p);
    size_t elen = 8 + 1 + 2 + (size_t)rl + 2 + (size_t)el + payload;
    unsigned char stackbuf[1024], *frame = HEADER_BYTES + elen <= sizeof stackbuf ? stackbuf : malloc(HEADER_BYTES + elen);
    if (frame == NULL) {
        close_conn(c);
        return;
    }
    unsigned char *q = frame;
    put_be32(q, (uint32_t)(MIN_LENGTH + elen));
    q[4] = OP_EVENT;
    q[5] = 0;
    put_be32(q + 6, 0);
    q += HEADER_BYTES;
    put_be64(q, c->session);
    q[8] = 0;
    q += 9;
    put_be16(q, (uint16_t)rl);
    memcpy(q + 2, room_name, (size_t)rl);
    q += 2 + rl;
    put_be16(q, (uint16_t)el);
    memcpy(q + 2, event, (size_t)el);
    q += 2 + el;
    memcpy(q, p, payload);
    struct room *r = find_room(room_name, (size_t)rl, 0);
    if (r != NULL) {
        /* A member closed by a failed write leaves the array (the last one moves into its
         * place), so walk from the end. */
        for (size_t i = r->count; i-- > 0;) {
            if (i < r->count && r->members[i] != c) send_bytes(r->members[i], frame, HEADER_BYTES + elen);
        }
    }
    if (frame != stackbuf) free(frame);
    if (flags & FLAG_ACK) send_frame(c, OP_ACK, id, NULL, 0);
}

static void on_frame(struct conn *c, unsigned op, unsigned flags, uint32_t id, const unsigned char *body, size_t blen) {
    const unsigned char *p = body, *end = body + blen, *name;
    switch (op) {
    case OP_HELLO: {
        unsigned char w[1 + 8 + 4 + 4 + 2 + sizeof SERVER_NAME];
        size_t nl = strlen(SERVER_NAME);
        w[0] = 1;
        put_be64(w + 1, c->session);
        put_be32(w + 9, MAX_LENGTH);
        put_be32(w + 13, 0);
        put_be16(w + 17, (uint16_t)nl);
        memcpy(w + 19, SERVER_NAME, nl);
        send_frame(c, OP_WELCOME, id, w, 19 + nl);
        return;
    }
    case OP_JOIN:
    case OP_LEAVE: {
        long n = str16(&p, end, &name);
        struct room *r = n < 0 ? NULL : find_room(name, (size_t)n, op == OP_JOIN);
        if (n < 0 || (r == NULL && op == OP_JOIN)) {
            refuse(c, id, n < 0 ? "malformed room name" : "too many rooms");
            return;
        }
        if (r != NULL) {
            if (op == OP_LEAVE) {
                leave_room(r, c);
            } else if (join_room(r, c) < 0) {
                close_conn(c);
                return;
            }
        }
        if (flags & FLAG_ACK) send_frame(c, OP_ACK, id, NULL, 0);
        return;
    }
    case OP_PUBLISH:
        publish(c, flags, id, body, blen);
        return;
    case OP_PING:
        send_frame(c, OP_PONG, id, body, blen);
        return;
    case OP_BYE:
        c->closing = 1;
        return;
    default:
        refuse(c, id, "opcode not supported by this floor server");
    }
}

static void on_readable(struct conn *c) {
    for (;;) {
        if (c->rcap - c->rlen < 4096) {
            size_t cap = c->rcap ? c->rcap * 2 : 16384;
            unsigned char *nb = realloc(c->rbuf, cap);
            if (nb == NULL) {
                close_conn(c);
                return;
            }
            c->rbuf = nb;
            c->rcap = cap;
        }
        ssize_t n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            close_conn(c);
            return;
        }
        size_t asked = c->rcap - c->rlen;
        c->rlen += (size_t)n;
        size_t pos = 0;
        while (c->rlen - pos >= 4) {
            uint32_t len = get_be32(c->rbuf + pos);
            if (len < MIN_LENGTH || len > MAX_LENGTH) {
                refuse(c, 0, "bad frame length");
                break;
            }
            if (c->rlen - pos < 4 + (size_t)len) break;
            const unsigned char *f = c->rbuf + pos;
            pos += 4 + (size_t)len;
            on_frame(c, f[4], f[5], get_be32(f + 6), f + HEADER_BYTES, len - MIN_LENGTH);
            if (c->fd < 0 || c->closing) break;
        }
        if (c->fd < 0) return; /* closed while handling */
        if (c->closing) {
            if (c->olen == c->ooff) close_conn(c);
            return;
        }
        memmove(c->rbuf, c->rbuf + pos, c->rlen - pos);
        c->rlen -= pos;
        if ((size_t)n < asked) return;
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "-b") == 0) {
        batched = 1;
        argv++;
        argc--;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: fanout_server [-b] PORT [ADDRESS]\n");
        return 2;
    }
    dirty = calloc(MAX_CONNS + 16, sizeof *dirty);
    if (dirty == NULL) return 1;
    struct rlimit rl = {MAX_CONNS + 16, MAX_CONNS + 16};
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    if (inet_pton(AF_INET, argc == 3 ? argv[2] : "127.0.0.1", &addr.sin_addr) != 1) {
        fprintf(stderr, "fanout_server: bad address\n");
        return 2;
    }
    int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) {
        perror("fanout_server: bind/listen");
        return 1;
    }
    ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    struct epoll_event events[1024];
    while (!stop) {
        int n = epoll_wait(ep, events, 1024, 500);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) break;
                    if (fd >= MAX_CONNS + 16) {
                        close(fd);
                        continue;
                    }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    if (nc == NULL) {
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                    nc->session = next_session++;
                    conns[fd] = nc;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (c->fd >= 0 && (events[i].events & EPOLLOUT)) drain(c);
            if (c->fd >= 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c);
        }
        for (size_t k = 0; k < dirty_count; k++) {
            struct conn *d = dirty[k];
            d->dirty = 0;
            if (d->fd >= 0) drain(d);
        }
        dirty_count = 0;
        free_dead();
    }
    return 0;
}
