#!/usr/bin/python3 -IS
# herd-wal-client.py: archive_command / restore_command client for a running `herd daemon SOCKET` (or the agent's WAL
# daemon), so PostgreSQL does not pay a JVM start per WAL segment. bin/herd-wal-client runs it only where the build
# made no native client (herd-backup/src/main/c, ~2 ms of CPU per call against this one's ~35 ms); same arguments,
# wire format and exit codes.
#
#   archive_command = 'herd-wal-client /run/herd/wal.sock wal-push %p'
#   restore_command = 'herd-wal-client /run/herd/wal.sock wal-fetch %f %p'
#
# Exit codes as walg-daemon-client: 0 ok, 74 not found (wal-fetch; PostgreSQL takes it as the end of the archive),
# 1 any other failure (bad usage, daemon unreachable, timeout, daemon answered error). Relative paths are made
# absolute against the working directory: PostgreSQL runs both commands in PGDATA, so %p = pg_wal/... works.
#
# Wire format (WAL-G's daemon framing, see herd-backup DaemonProtocol and shared/spec/walg-layout.md §2.8): one type
# byte, a big-endian uint16 length that counts the 3 header bytes, then the body; the reply is one byte,
# 'O' ok / 'N' not found / 'E' error.  wal-push ('F'): body = the path.  wal-fetch ('f'): body = u8 argument count,
# then per argument a big-endian u16 length and its UTF-8 bytes (NAME, DEST).
#
# Why Python 3 and not bash: bash has no AF_UNIX sockets (/dev/tcp is TCP only), so a bash client would need socat or
# `nc -U`, which Debian does not install by default (and netcat variants differ in -U/-q support). python3 is present
# on Debian systems (PostgreSQL tooling and apt's helpers pull it in) and its standard library has AF_UNIX sockets and
# timeouts. /usr/bin/python3 is named directly, with -I (ignore PYTHON* variables and the user's site directory, so
# the environment cannot change the behaviour) and -S (skip `site`, which saves startup time): one call costs a
# Python start (tens of milliseconds), not a JVM start (hundreds). Standard library only.
#
# Timeouts as walg-daemon-client: 5 s to connect, 60 s for the reply; override with HERD_WAL_CLIENT_CONNECT_TIMEOUT
# and HERD_WAL_CLIENT_TIMEOUT (seconds). PostgreSQL retries a failed archive_command, and the daemon accepts a repeated
# push of identical content, so a timeout is safe.
import os
import socket
import struct
import sys

OK, NOT_FOUND = 0, 74
FAILURE = 1
USAGE = "usage: herd-wal-client SOCKET wal-push PATH | herd-wal-client SOCKET wal-fetch NAME DEST"


def frame(kind, body):
    if len(body) + 3 > 0xFFFF:
        raise ValueError("argument too long for one frame")
    return kind + struct.pack(">H", len(body) + 3) + body


def arguments(*values):
    out = bytearray([len(values)])
    for value in values:
        data = os.fsencode(value)
        out += struct.pack(">H", len(data)) + data
    return bytes(out)


def seconds(variable, default):
    try:
        return float(os.environ.get(variable, default))
    except ValueError:
        return default


def call(socket_path, message):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(seconds("HERD_WAL_CLIENT_CONNECT_TIMEOUT", 5.0))
        sock.connect(socket_path)
        sock.settimeout(seconds("HERD_WAL_CLIENT_TIMEOUT", 60.0))
        sock.sendall(message)
        reply = sock.recv(1)
    finally:
        sock.close()
    if not reply:
        raise OSError("the daemon closed the connection without a reply")
    return reply


def main(argv):
    if len(argv) == 4 and argv[2] == "wal-push":
        message = frame(b"F", os.fsencode(os.path.abspath(argv[3])))
    elif len(argv) == 5 and argv[2] == "wal-fetch":
        message = frame(b"f", arguments(argv[3], os.path.abspath(argv[4])))
    else:
        print(USAGE, file=sys.stderr)
        return FAILURE
    try:
        reply = call(argv[1], message)
    except (OSError, ValueError) as e:
        print("herd-wal-client: cannot reach %s: %s" % (argv[1], e), file=sys.stderr)
        return FAILURE
    if reply == b"O":
        return OK
    if reply == b"N":
        return NOT_FOUND
    print("herd-wal-client: %s %s failed (see the daemon's log)" % (argv[2], argv[3]), file=sys.stderr)
    return FAILURE


if __name__ == "__main__":
    sys.exit(main(sys.argv))
