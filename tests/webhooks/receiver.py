"""A real HTTP endpoint on 127.0.0.1 for the webhook tests: it keeps what it received and answers
with the codes it is told, in turn (200 once they run out)."""

import contextlib
import hashlib
import hmac
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        message = self.headers["X-Registry-Timestamp"].encode() + b"." + self.body
        expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers["X-Registry-Signature"])


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    answers: list = field(default_factory=list)
    received: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    @property
    def events(self) -> list[str]:
        return [request.headers["X-Registry-Event"] for request in self.received]


def start_receiver() -> Receiver:
    holder: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            receiver = holder["receiver"]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.received.append(Received(dict(self.headers.items()), body))
            code = receiver.answers.pop(0) if receiver.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


@dataclass
class RawServer:
    """A TCP server on 127.0.0.1 that reads each request and answers raw bytes, not HTTP: what
    ``answer(connection)`` writes."""

    server: socket.socket
    stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"

    def stop(self) -> None:
        self.stopped.set()
        self.server.close()


def _whole_request(received: bytes) -> bool:
    """Whether ``received`` holds a request's headers and as much body as they announce."""
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    return len(body) >= (int(length.group(1)) if length else 0)


def start_raw_server(answer) -> RawServer:
    listener = socket.create_server(("127.0.0.1", 0))
    raw = RawServer(listener)

    def handle(connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            received = b""
            # The whole request, body included: closing with some of it unread would make the
            # system reset the connection, and the client see that instead of this answer.
            while not _whole_request(received):
                chunk = connection.recv(65536)
                if not chunk:
                    return
                received += chunk
            with contextlib.suppress(OSError):  # the client hung up
                answer(connection, raw.stopped)

    def serve() -> None:
        while not raw.stopped.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return raw
