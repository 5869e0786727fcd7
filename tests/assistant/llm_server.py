"""A local OpenAI-compatible chat-completions server for tests: a real HTTP server on
127.0.0.1 (a free port), in a thread, whose answers the test scripts.

    server.reply(Reply("a caption"), Reply(status=500, error="boom"))  # next answers, in order
    server.answer_with(lambda request: Reply(...))                     # then this, for the rest
    server.requests[0].json["messages"]                                # what was sent

With nothing scripted it answers "OK". A `Reply` may be slow (`delay`, for timeouts),
an HTTP error (`status`, `error` as OpenAI words it), a malformed body (`raw`), or
without `usage` (`usage=None`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

AUTO = object()


@dataclass
class Reply:
    text: str = "OK"
    status: int = 200
    delay: float = 0.0
    error: str | None = None
    raw: bytes | None = None
    usage: Any = AUTO  # AUTO: counts from the texts' lengths; None: no usage in the answer
    model: str | None = None


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    json: Any
    body: bytes = field(repr=False, default=b"")

    @property
    def messages(self) -> list[dict[str, Any]]:
        found = self.json.get("messages", []) if isinstance(self.json, dict) else []
        return list(found)

    @property
    def prompt(self) -> str:
        """Every message's text, one after the other (image parts left out)."""
        texts = []
        for message in self.messages:
            content = message.get("content")
            if isinstance(content, list):
                texts += [p.get("text", "") for p in content if p.get("type") == "text"]
            else:
                texts.append(str(content))
        return "\n".join(texts)


Responder = Callable[[Recorded], "Reply | str"]


class LLMServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._responder: Responder | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                recorded = Recorded(self.path, dict(self.headers.items()), parsed, body)
                reply = server._next(recorded)
                if reply.delay:
                    time.sleep(reply.delay)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    reply = Reply(status=404, error=f"no route {self.path}")
                payload = server._payload(recorded, reply)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reply(self, *replies: Reply | str) -> None:
        """The next answers, in order (a plain string is a 200 with that text)."""
        with self._lock:
            self._queue.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    def answer_with(self, responder: Responder) -> None:
        """How to answer once the scripted replies are used up."""
        self._responder = responder

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self._queue:
                return self._queue.popleft()
        if self._responder is not None:
            found = self._responder(recorded)
            return Reply(found) if isinstance(found, str) else found
        return Reply()

    @staticmethod
    def _payload(recorded: Recorded, reply: Reply) -> bytes:
        if reply.raw is not None:
            return reply.raw
        if reply.status >= 400:
            message = reply.error or "error"
            return json.dumps({"error": {"message": message, "type": "test_error"}}).encode()
        model = reply.model or (
            recorded.json.get("model", "test") if isinstance(recorded.json, dict) else "test"
        )
        body: dict[str, Any] = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": "stop",
                }
            ],
        }
        if reply.usage is AUTO:
            prompt = len(recorded.prompt) // 4 + 1
            completion = len(reply.text) // 4 + 1
            body["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
        elif reply.usage is not None:
            body["usage"] = reply.usage
        return json.dumps(body).encode()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
