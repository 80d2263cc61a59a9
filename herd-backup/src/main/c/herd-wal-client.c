/*
 * herd-wal-client (native): the archive_command / restore_command client for a running `herd daemon SOCKET` or the
 * agent's WAL daemon. Same arguments, wire format, exit codes and timeouts as bin/herd-wal-client (the Python
 * client, which remains the fallback where no C compiler was available at build time).
 *
 * Why a native client at all: PostgreSQL's archiver runs archive_command once per 16 MiB segment, one at a time.
 * A Python start costs ~34 ms of CPU (most of it importing `socket`), this program ~2 ms. On a 2-core machine
 * draining a WAL backlog at 6-7 segments per second that difference is a tenth of the whole machine's CPU, taken
 * from the daemon compressing ahead (docs/benchmarks.md, "Backups").
 *
 *   archive_command = 'herd-wal-client /run/herd/wal.sock wal-push %p'
 *   restore_command = 'herd-wal-client /run/herd/wal.sock wal-fetch %f %p'
 *
 * Exit codes as walg-daemon-client: 0 ok, 74 not found (wal-fetch), 1 any other failure. Wire format (WAL-G's daemon
 * framing, shared/spec/walg-layout.md section 2.8): type byte, big-endian uint16 length counting the 3 header
 * bytes, body; the reply is one byte, 'O' ok / 'N' not found / 'E' error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

enum { OK = 0, FAILURE = 1, NOT_FOUND = 74 };
enum { MAX_FRAME = 0xFFFF };

static const char *USAGE = "usage: herd-wal-client SOCKET wal-push PATH | herd-wal-client SOCKET wal-fetch NAME DEST\n";

struct frame
{
    unsigned char bytes[MAX_FRAME];
    size_t length;
};

static int append(struct frame *frame, const void *data, size_t length)
{
    if (frame->length + length > MAX_FRAME) {
        return -1;
    }
    memcpy(frame->bytes + frame->length, data, length);
    frame->length += length;
    return 0;
}

static int append_u16(struct frame *frame, size_t value)
{
    unsigned char be[2] = { (unsigned char) (value >> 8), (unsigned char) value };
    return value > 0xFFFF ? -1 : append(frame, be, 2);
}

/* Relative paths are taken against the working directory: PostgreSQL runs both commands in PGDATA. */
static int append_absolute(struct frame *frame, const char *path)
{
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof cwd) == NULL || append(frame, cwd, strlen(cwd)) != 0 || append(frame, "/", 1) != 0) {
            return -1;
        }
    }
    return append(frame, path, strlen(path));
}

static int append_argument(struct frame *frame, const char *value, int absolute)
{
    struct frame argument = { .length = 0 };
    if ((absolute ? append_absolute(&argument, value) : append(&argument, value, strlen(value))) != 0) {
        return -1;
    }
    if (append_u16(frame, argument.length) != 0) {
        return -1;
    }
    return append(frame, argument.bytes, argument.length);
}

/* Header: type byte and a length that counts the 3 header bytes; the body is built behind it, then measured. */
static int build(struct frame *frame, int argc, char **argv)
{
    frame->length = 3;
    if (argc == 4 && strcmp(argv[2], "wal-push") == 0) {
        frame->bytes[0] = 'F';
        if (append_absolute(frame, argv[3]) != 0) {
            return -1;
        }
    }
    else if (argc == 5 && strcmp(argv[2], "wal-fetch") == 0) {
        unsigned char count = 2;
        frame->bytes[0] = 'f';
        if (append(frame, &count, 1) != 0 || append_argument(frame, argv[3], 0) != 0 || append_argument(frame, argv[4], 1) != 0) {
            return -1;
        }
    }
    else {
        return -2;
    }
    frame->bytes[1] = (unsigned char) (frame->length >> 8);
    frame->bytes[2] = (unsigned char) frame->length;
    return 0;
}

static struct timeval timeout(const char *variable, double fallback)
{
    const char *text = getenv(variable);
    double seconds = fallback;
    if (text != NULL && *text != '\0') {
        char *end;
        double parsed = strtod(text, &end);
        if (*end == '\0' && parsed > 0) {
            seconds = parsed;
        }
    }
    struct timeval value = { .tv_sec = (time_t) seconds, .tv_usec = (suseconds_t) ((seconds - (double) (time_t) seconds) * 1e6) };
    return value;
}

static int call(const char *socket_path, const struct frame *frame, unsigned char *reply, const char **problem)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    if (strlen(socket_path) >= sizeof address.sun_path) {
        *problem = "socket path too long";
        return -1;
    }
    strcpy(address.sun_path, socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    /* On Linux a blocking connect of a Unix socket waits at most SO_SNDTIMEO (the daemon's backlog is full). */
    struct timeval connect_timeout = timeout("HERD_WAL_CLIENT_CONNECT_TIMEOUT", 5.0);
    struct timeval reply_timeout = timeout("HERD_WAL_CLIENT_TIMEOUT", 60.0);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &connect_timeout, sizeof connect_timeout) != 0
            || connect(fd, (struct sockaddr *) &address, sizeof address) != 0
            || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &reply_timeout, sizeof reply_timeout) != 0
            || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &reply_timeout, sizeof reply_timeout) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    size_t sent = 0;
    while (sent < frame->length) {
        ssize_t n = send(fd, frame->bytes + sent, frame->length - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        sent += (size_t) n;
    }
    ssize_t n;
    do {
        n = recv(fd, reply, 1, 0);
    } while (n < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    if (n == 0) {
        *problem = "the daemon closed the connection without a reply";
        return -1;
    }
    if (n < 0) {
        errno = saved == EAGAIN ? ETIMEDOUT : saved;
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static struct frame frame;
    int built = argc >= 3 ? build(&frame, argc, argv) : -2;
    if (built == -2) {
        fputs(USAGE, stderr);
        return FAILURE;
    }
    if (built != 0) {
        fprintf(stderr, "herd-wal-client: cannot reach %s: argument too long for one frame\n", argv[1]);
        return FAILURE;
    }
    unsigned char reply = 0;
    const char *problem = NULL;
    if (call(argv[1], &frame, &reply, &problem) != 0) {
        fprintf(stderr, "herd-wal-client: cannot reach %s: %s\n", argv[1], problem != NULL ? problem : strerror(errno));
        return FAILURE;
    }
    if (reply == 'O') {
        return OK;
    }
    if (reply == 'N') {
        return NOT_FOUND;
    }
    fprintf(stderr, "herd-wal-client: %s %s failed (see the daemon's log)\n", argv[2], argv[3]);
    return FAILURE;
}
