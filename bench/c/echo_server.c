/*
 * echo_server: a minimal single-threaded, non-blocking, edge-triggered epoll TCP echo server.
 *
 * Reference point for the Switchboard echo benchmarks ("a single-threaded C epoll echo server").
 *
 * Usage: echo_server PORT        (binds 127.0.0.1)
 *
 * Every connection owns one buffer. Bytes read are written back; whatever the socket does not
 * take is kept and the connection stops reading until EPOLLOUT reports room again, so a slow
 * reader only ever costs one buffer. Sockets are registered once for EPOLLIN|EPOLLOUT|EPOLLRDHUP
 * with EPOLLET: with edge triggering an EPOLLOUT edge is only delivered after a write hit EAGAIN,
 * so keeping it registered costs nothing and saves an epoll_ctl per blocked write. Connections
 * are closed on EOF or on any error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define MAX_EVENTS 256

struct conn {
    int fd;
    size_t off;  /* first unsent byte in buf */
    size_t len;  /* bytes in buf (unsent = len - off) */
    char buf[BUF_SIZE];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void close_conn(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c);
}

/* Echoes until the socket would block. Returns -1 if the connection must be closed. */
static int service(struct conn *c) {
    for (;;) {
        if (c->off < c->len) {
            ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return 0; /* wait for EPOLLOUT */
                return -1;
            }
            c->off += (size_t)n;
            if (c->off < c->len) continue; /* partial write: try again, EAGAIN ends it */
            c->off = c->len = 0;
        }
        ssize_t n = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0; /* wait for EPOLLIN */
            return -1;
        }
        if (n == 0) return -1; /* EOF */
        c->len = (size_t)n;
        /* A short read means the receive queue was drained; data arriving later raises a new
         * EPOLLIN edge, so after echoing this chunk we may stop without a read that would only
         * say EAGAIN. */
        if ((size_t)n < sizeof c->buf) {
            ssize_t w = send(c->fd, c->buf, c->len, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
                return -1;
            }
            c->off = (size_t)w;
            if (c->off == c->len) {
                c->off = c->len = 0;
                return 0;
            }
            /* partial write: loop, the next send gives EAGAIN (wait for EPOLLOUT) or progress */
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
        fprintf(stderr, "echo_server: bad port '%s'\n", argv[1]);
        return 2;
    }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        perror("socket");
        return 1;
    }
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    if (listen(lfd, SOMAXCONN) < 0) {
        perror("listen");
        return 1;
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("epoll_create1");
        return 1;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = NULL; /* NULL marks the listener */
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) {
        perror("epoll_ctl");
        return 1;
    }
    fprintf(stderr, "echo_server: listening on 127.0.0.1:%ld\n", port);

    struct epoll_event events[MAX_EVENTS];
    while (!stop) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                for (;;) { /* edge-triggered: accept until EAGAIN */
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED) continue;
                        if (errno != EAGAIN && errno != EWOULDBLOCK) perror("accept4");
                        break;
                    }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = malloc(sizeof *nc);
                    if (nc == NULL) {
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                    nc->off = nc->len = 0;
                    struct epoll_event cev;
                    memset(&cev, 0, sizeof cev);
                    cev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
                    cev.data.ptr = nc;
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) {
                        perror("epoll_ctl");
                        close_conn(nc);
                        continue;
                    }
                    /* No service() here: EPOLL_CTL_ADD reports a socket that is already
                     * readable or writable, so the next epoll_wait hands it over. */
                }
                continue;
            }
            if (service(c) < 0) close_conn(c);
        }
    }
    close(ep);
    close(lfd);
    return 0;
}
