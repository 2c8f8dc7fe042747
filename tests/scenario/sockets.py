"""Docker endpoints that misbehave, on real sockets: wedged, stale, hostile, proxied, forbidden.

Every socket here is a real Unix or TCP socket: a thread that accepts and never answers is how
Docker Desktop looks while it starts or hangs; a socket file nobody listens on is what a
stopped daemon leaves behind; a socket the test user may not open is a missing docker group.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

NOBODY = 65534
T = TypeVar("T")


def short_dir() -> Path:
    """A fresh folder under /tmp with a short path that any user may enter (sockets live here)."""
    folder = Path(tempfile.mkdtemp(prefix="dds-", dir="/tmp"))
    folder.chmod(0o755)
    return folder


@contextlib.contextmanager
def serving(
    server: socket.socket, on_connection: Callable[[socket.socket], None]
) -> Iterator[None]:
    """Accept connections on a bound server in a thread, handing each to on_connection, until
    the block ends; then stop the thread (bounded) and close the server."""
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            on_connection(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(2)
        server.close()


def unix_server(path: Path) -> socket.socket:
    """A Unix socket bound at path."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    return server


@contextlib.contextmanager
def wedged_socket(path: Path) -> Iterator[list[socket.socket]]:
    """A Unix socket whose server accepts every connection and never answers."""
    held: list[socket.socket] = []  # accepted, read nothing, answer nothing
    try:
        with serving(unix_server(path), held.append):
            yield held
    finally:
        for conn in held:
            conn.close()


def stale_socket(path: Path) -> None:
    """A socket file with nobody listening: what a stopped or crashed daemon leaves."""
    unix_server(path).close()


@contextlib.contextmanager
def answering_socket(path: Path, answer: bytes) -> Iterator[None]:
    """A Unix socket that reads a request and answers fixed bytes, then closes."""

    def answer_once(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                conn.recv(65536)
                conn.sendall(answer)

    with serving(unix_server(path), answer_once):
        yield


PING_ANSWER = (
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nOK"
)
"""What dockerd answers to GET /_ping (its headers as Docker 20.10 sends them)."""

Behaviour = Callable[[socket.socket, str, threading.Event], None]
"""What a scripted engine does with a request: (connection, request line, stop)."""


def read_request(conn: socket.socket, limit: int = 65536) -> str:
    """The request line of what the client sends, once its head is complete ("" if none)."""
    data = b""
    conn.settimeout(2)
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data and len(data) < limit:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


@contextlib.contextmanager
def scripted_engine(
    path: Path, behaviour: Behaviour, *, ping: Behaviour | None = None
) -> Iterator[None]:
    """A Unix socket that answers GET /_ping as Docker does (or with `ping`) and every other
    request with `behaviour`, each connection in its own thread, until the block ends."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            line = read_request(conn)
            if " /_ping " in line and ping is None:
                with contextlib.suppress(OSError):
                    conn.sendall(PING_ANSWER)
                return
            with contextlib.suppress(OSError):
                (ping if " /_ping " in line and ping else behaviour)(conn, line, stop)

    def start(conn: socket.socket) -> None:
        thread = threading.Thread(target=handle, args=(conn,), daemon=True)
        threads.append(thread)
        thread.start()

    try:
        with serving(unix_server(path), start):
            yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(2)


def answer_with(data: bytes) -> Behaviour:
    """Answer these bytes, then close."""

    def answer(conn: socket.socket, line: str, stop: threading.Event) -> None:
        conn.sendall(data)

    return answer


def endless_body(conn: socket.socket, line: str, stop: threading.Event) -> None:
    """200 OK with a chunked JSON body that never ends, sent as fast as the client reads."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b'{"Name": "' + b"x" * 65000 + b'"}, '
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    conn.settimeout(0.5)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            conn.sendall(chunk)  # OSError once the client gives up: the handler's end


def drip(conn: socket.socket, line: str, stop: threading.Event) -> None:
    """A status line, then a header one byte every 50 ms, forever: never a whole answer."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
    while not stop.wait(0.05):
        conn.sendall(b"a")


def garbage(conn: socket.socket, line: str, stop: threading.Event) -> None:
    """Bytes that are not HTTP at all, then close."""
    conn.sendall(bytes(range(256)) * 4)


def hang(conn: socket.socket, line: str, stop: threading.Event) -> None:
    """Read the request and never answer, holding the connection open."""
    stop.wait(30)


@contextlib.contextmanager
def tcp_proxy(target: Path) -> Iterator[int]:
    """A TCP port on 127.0.0.1 that forwards to a Unix socket (the real engine over tcp://)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    done = threading.Event()

    def pump(a: socket.socket, b: socket.socket) -> None:
        with a, b:
            while not done.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (b if src is a else a).sendall(data)

    def forward(conn: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(str(target))
        threading.Thread(target=pump, args=(conn, upstream), daemon=True).start()

    port = int(server.getsockname()[1])
    try:
        with serving(server, forward):
            yield port
    finally:
        done.set()


def as_nobody(work: Callable[[], T], groups: tuple[int, ...] = ()) -> T:
    """Run `work` in a forked child that has dropped to uid/gid 65534 (root cannot be denied).

    The interpreter is already loaded, so the child needs no file it could not read as nobody.
    """
    if os.geteuid() != 0:
        return work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        status = 0
        try:
            os.close(read_end)
            os.setgroups(list(groups))
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            payload = pickle.dumps(("ok", work()))
        except BaseException as exc:
            payload = pickle.dumps(("error", repr(exc)))
            status = 1
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    kind, value = pickle.loads(data)
    if kind != "ok":
        raise AssertionError(f"the child running as nobody failed: {value}")
    return value  # type: ignore[no-any-return]
