"""A loopback HTTP server for the client benchmarks: a token endpoint, a JSON endpoint with a
fixed latency that records arrival times, and an NDJSON stream of a given size."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LINE = (
    json.dumps(
        json.loads(
            (
                Path(__file__).resolve().parent.parent
                / "tests/fixtures/seed_examples/adict_consos_publiees_line.json"
            ).read_text()
        ),
        ensure_ascii=False,
    ).encode()
    + b"\n"
)
TECHNIQUES = (
    Path(__file__).resolve().parent.parent
    / "tests/fixtures/seed_examples/adict_donnees_techniques.json"
).read_bytes()


#: Lines per write of the stream (both clean and faulty streams).
BLOCK_LINES = 256


class BenchServer(ThreadingHTTPServer):
    """Serves in threads on 127.0.0.1; ``arrivals`` holds the monotonic time of each API call."""

    daemon_threads = True

    def __init__(self, latency_s: float = 0.0, stream_bytes: int = 0, bad_every: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency_s = latency_s
        self.stream_bytes = stream_bytes
        #: Every ``bad_every``-th line of the stream is a cut-off object (0: none).
        self.bad_every = bad_every
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> BenchServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class _Handler(BaseHTTPRequestHandler):
    server: BenchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        """The consumption stream, in blocks of 256 lines whether or not it has bad lines.

        Every ``bad_every``-th line is cut off halfway; the blocks stay the same size, so a
        clean and a faulty stream cost this server the same and only the reader differs.
        """
        every = self.server.bad_every
        bad = LINE[: len(LINE) // 2] + b"\n"
        lines = max(1, self.server.stream_bytes // len(LINE))
        cut = lines // every if every else 0
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(lines * len(LINE) - cut * (len(LINE) - len(bad))))
        self.end_headers()
        clean = LINE * BLOCK_LINES
        for start in range(0, lines, BLOCK_LINES):
            count = min(BLOCK_LINES, lines - start)
            first_bad = (every - 1 - start % every) % every if every else count
            if first_bad >= count:
                self.wfile.write(clean if count == BLOCK_LINES else LINE * count)
                continue
            self.wfile.write(
                b"".join(
                    bad if every and (start + i + 1) % every == 0 else LINE for i in range(count)
                )
            )

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(200, b'{"access_token": "bench", "token_type": "Bearer", "expires_in": 14400}')

    def do_GET(self) -> None:
        if "donnees_consos_publiees" in self.path:
            self._stream()
            return
        with self.server.lock:
            self.server.arrivals.append(time.monotonic())
        time.sleep(self.server.latency_s)
        self._send(200, TECHNIQUES)
