"""A mail server for the fault tests: it speaks enough SMTP for Django's SMTP
backend, keeps the Message-ID of every message it has taken, and can stop at a
chosen point of a session until the test has killed the worker on the other
end, so that the test knows exactly which message was in flight."""

import re
import socketserver
import threading
import time
from dataclasses import dataclass, field

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Hold:
    """Stop the ``number``-th time the server reaches ``at``: ``"data"`` once a
    message has been received whole (it is taken) and before the server says
    so, ``"quit"`` when the client ends a session whose message the server
    has accepted."""

    at: str
    number: int
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    seen: int = 0


class SmtpSink:
    def __init__(self, *, reply_delay: float = 0.0):
        # Each reply waits this long, as over a network: the slice of a send
        # that falls between the server's acceptance and the client's record of
        # it is then as long, relative to the rest, as it would be in production.
        self.reply_delay = reply_delay
        self.message_ids: list[str] = []
        self.messages: list[bytes] = []
        # Per complete session: (seconds from the message's last line to the
        # client's QUIT, the session's seconds). The first is the time a
        # message is taken but not yet recorded by the client, which records it
        # before it says QUIT; the second, the time the whole send takes.
        self.timings: list[tuple[float, float]] = []
        self.hold: Hold | None = None
        self._lock = threading.Lock()
        sink = self

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                sink._session(self.rfile, self.wfile)

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "SmtpSink":
        self._thread.start()
        return self

    def stop(self):
        if self.hold:
            self.hold.released.set()
        self._server.shutdown()
        self._server.server_close()

    def holding(self, at: str, number: int) -> Hold:
        self.hold = Hold(at, number)
        return self.hold

    def settings(self) -> dict[str, str]:
        """The environment of a worker sending here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
        }

    def duplicates(self) -> list[str]:
        with self._lock:
            ids = list(self.message_ids)
        return sorted({i for i in ids if ids.count(i) > 1})

    # ------------------------------------------------------------ the session

    def _stop_if_held(self, at: str) -> None:
        hold = self.hold
        if hold is None or hold.at != at:
            return
        with self._lock:
            hold.seen += 1
            stop = hold.seen == hold.number
        if stop:
            hold.reached.set()
            hold.released.wait(60)

    def _session(self, rfile, wfile):
        def reply(text: str) -> None:
            if self.reply_delay:
                time.sleep(self.reply_delay)
            wfile.write(text.encode() + b"\r\n")
            wfile.flush()

        began = taken = time.monotonic()
        try:
            reply("220 sink ESMTP")
            while line := rfile.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    reply("250-sink\r\n250 8BITMIME")
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    reply("250 OK")
                elif verb == b"DATA":
                    reply("354 End data with <CR><LF>.<CR><LF>")
                    data = b"".join(iter(rfile.readline, b".\r\n"))
                    taken = time.monotonic()
                    found = MESSAGE_ID.search(data)
                    with self._lock:
                        self.messages.append(data)
                        self.message_ids.append(
                            found.group(1).decode() if found else ""
                        )
                    self._stop_if_held("data")
                    reply("250 OK: queued")
                elif verb == b"QUIT":
                    now = time.monotonic()
                    with self._lock:
                        self.timings.append((now - taken, now - began))
                    self._stop_if_held("quit")
                    reply("221 Bye")
                    return
                else:
                    reply("502 Command not implemented")
        except OSError:
            return  # the client is gone (killed)
