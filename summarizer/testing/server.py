"""A local OpenAI-compatible server for tests and benchmarks (127.0.0.1 only).

It speaks just enough of `POST /v1/chat/completions` for the real `openai` client: tests record
cassettes through it, so the request side of every authored cassette is the real client's.
What it answers is decided by a *script* (a list of steps, played in order) or, when the script
is empty, by the default responder, which builds a grounded reply for the article in the prompt
with the offline engine. Nothing here pretends to be a model: cassettes recorded through it are
marked "authored" in cassettes/README.md.
"""

from __future__ import annotations

import json
import math
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from summarizer.brief.tokens import estimate_tokens

# brief-v2 closes the data block with a tag carrying a code (`<article-CODE>`...`</article-CODE>`);
# brief-v1 used plain `<article>` tags.
_ARTICLE = re.compile(r"<article(-[0-9a-f]+|)>\n?(.*?)\n?</article\1>\s*\Z", re.S)


@dataclass
class Step:
    """One scripted answer.

    kind: "reply" (a tool call whose arguments are `data`, a dict or a raw string), "refusal"
    (`data` is the refusal text), "length" (a reply cut off: `data` is the partial arguments),
    "error" (HTTP `status` with JSON body `data`), "drop" (close the connection mid-body),
    "stall" (sleep `delay` seconds before answering, to trigger client timeouts), "raw" (`data`
    is the body's bytes as sent, `headers["content-type"]` its type: an HTML page, broken JSON),
    "huge" (a well-formed reply of `data` bytes, for the reply size limit).
    """

    kind: str
    data: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def reply(data: dict[str, Any] | str) -> Step:
    """A successful tool-call reply."""
    return Step("reply", data)


def error(
    status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> Step:
    """An OpenAI-style error response."""
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }
    return Step("error", body, status=status, headers=headers or {})


def article_of(request: dict[str, Any]) -> str:
    """The article text inside the last user message of a chat request."""
    for message in reversed(request.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content") or ""
            if isinstance(content, list):
                content = " ".join(str(p.get("text", "")) for p in content)
            m = _ARTICLE.search(content)
            return m.group(2) if m else content
    return ""


def _tool_name(request: dict[str, Any]) -> str | None:
    tools = request.get("tools") or []
    return str(tools[0]["function"]["name"]) if tools else None


_REPAIR_ITEM = re.compile(r"^((?:key_facts|positions|parties)\[\d+\]): ", re.M)


def repair_responder(request: dict[str, Any]) -> Step:
    """Answer a repair request by removing every item it lists (a fix with no item)."""
    text = "".join(str(m.get("content") or "") for m in request.get("messages", []))
    return reply({"fixes": [{"path": p} for p in dict.fromkeys(_REPAIR_ITEM.findall(text))]})


def offline_responder(request: dict[str, Any]) -> Step:
    """Answer with the offline engine's brief of the article in the request (always grounded);
    a story-synthesis request gets `synthesis_responder`'s answer."""
    from summarizer.offline import brief_offline

    if synthesis_sources(request):
        return synthesis_responder(request)
    brief = brief_offline(article_of(request))
    return reply(brief.model_dump(mode="json", exclude={"meta"}))


# A story-synthesis request (prompt synthesis-v1) holds its sources in <source-N-CODE> blocks.
_SOURCE = re.compile(r"<source-(\d+)-([0-9a-f]+)>\n?(.*?)\n?</source-\1-\2>", re.S)


def synthesis_sources(request: dict[str, Any]) -> dict[int, str]:
    """The numbered sources of a story-synthesis request, or {} for any other request."""
    for message in reversed(request.get("messages", [])):
        if message.get("role") == "user":
            content = str(message.get("content") or "")
            return {int(m.group(1)): m.group(3) for m in _SOURCE.finditer(content)}
    return {}


def synthesis_responder(request: dict[str, Any]) -> Step:
    """A grounded synthesis made by rule, not by a model: one summary sentence per source, its
    first sentence, cited to it with that sentence as the quote."""
    summary = []
    for n, text in sorted(synthesis_sources(request).items()):
        first = re.split(r"(?<=[.!?])\s+", " ".join(text.split()), maxsplit=1)[0]
        first = " ".join(first.split()[:40])
        if first:
            summary.append({"text": first, "citations": [{"source": n, "quote": first}]})
    headline = summary[0]["text"][:90] if summary else "No sources"
    return reply({"headline": headline, "summary": summary})


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops SYNs when a client opens dozens of connections at
    # once, and each dropped SYN costs a one-second retransmit: benchmarks open 64.
    request_queue_size = 256


class FakeOpenAIServer:
    """An OpenAI-compatible chat-completions endpoint on 127.0.0.1, for tests and benchmarks.

    Use as a context manager; `base_url` is what to give the client. `requests` keeps every
    request body; `per_article` counts requests by the sha256 of the article they carry.
    `latency` (seconds, or a function returning seconds) delays every answer; `faults` maps a
    fault kind ("429", "429_no_retry_after", "500", "503", "timeout", "drop", "malformed",
    "invalid_json", "html", "huge", "invented_quote", "refusal", "length") to the rate at which it
    replaces the normal answer. "malformed" is a reply whose tool arguments are cut off;
    "invalid_json" a body that is not JSON at all; "html" a 200 HTML page (a proxy's or a login
    page); "huge" a reply of `huge_bytes` (10 MB by default).
    """

    def __init__(
        self,
        script: list[Step] | None = None,
        *,
        responder: Callable[[dict[str, Any]], Step] | None = None,
        latency: float | Callable[[], float] = 0.0,
        faults: dict[str, float] | None = None,
        seed: int = 0,
        stall_s: float = 30.0,
        retry_after: str = "0",
        huge_bytes: int = 10_000_000,
    ) -> None:
        self.script = list(script or [])
        # How long a "timeout" fault stalls (set the client's timeout below it), and the
        # Retry-After header an injected 429 carries.
        self.stall_s = stall_s
        self.retry_after = retry_after
        self.huge_bytes = huge_bytes
        self.responder = responder or offline_responder
        self.latency = latency
        self.faults = dict(faults or {})
        self.random = random.Random(seed)
        self.requests: list[dict[str, Any]] = []
        self.per_article: Counter[str] = Counter()
        self.faults_served: Counter[str] = Counter()
        self._lock = threading.Lock()
        # Batch API state: uploaded files by id, batches by id; a batch answers "in_progress"
        # to its first `batch_polls` polls, then completes.
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls = 1
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """The `base_url` for an OpenAI client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's
                # algorithm and the client's delayed ACK add ~40 ms to every keep-alive answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                status, payload, raw = server._batch_get(self.path)
                self._send(status, payload, raw=raw)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/").endswith(("/files", "/batches")):
                    status, payload = server._batch_post(
                        self.path, raw, self.headers.get("content-type", "")
                    )
                    self._send(status, payload)
                    return
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "request body is not JSON"}})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"unknown path {self.path}"}})
                    return
                step = server._next(body)
                server._answer(self, step, body)

            def _send(
                self,
                status: int,
                payload: Any,
                headers: dict[str, str] | None = None,
                raw: bytes | None = None,
                content_type: str = "application/json",
            ) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                # Marks every cassette recorded through this server as authored, not a model's.
                self.send_header("x-summarizer-test-server", "authored reply, not a model")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and join the server thread."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- the Batch API ---------------------------------------------------------------------

    def _batch_post(self, path: str, raw: bytes, content_type: str) -> tuple[int, Any]:
        with self._lock:
            if path.rstrip("/").endswith("/files"):
                from email.parser import BytesParser

                message = BytesParser().parsebytes(
                    b"content-type: " + content_type.encode() + b"\r\n\r\n" + raw
                )
                data = b""
                for part in message.walk():
                    if part.get_param("name", header="content-disposition") == "file":
                        payload = part.get_payload(decode=True)
                        data = payload if isinstance(payload, bytes) else b""
                file_id = f"file-fake-{len(self.files) + 1}"
                self.files[file_id] = data
                return 200, {
                    "id": file_id,
                    "object": "file",
                    "bytes": len(data),
                    "created_at": 1764000000,
                    "filename": "briefs.jsonl",
                    "purpose": "batch",
                }
            body = json.loads(raw or b"{}")
            batch_id = f"batch_fake_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "input_file_id": body["input_file_id"],
                "polls": 0,
                "output_file_id": None,
            }
            return 200, self._batch_object(batch_id, "validating")

    def _batch_object(self, batch_id: str, status: str) -> dict[str, Any]:
        b = self.batches[batch_id]
        return {
            "id": batch_id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": b["input_file_id"],
            "completion_window": "24h",
            "status": status,
            "output_file_id": b["output_file_id"],
            "error_file_id": None,
            "created_at": 1764000000,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }

    def _batch_get(self, path: str) -> tuple[int, Any, bytes | None]:
        parts = path.split("?")[0].rstrip("/").split("/")
        if "batches" in parts:
            batch_id = parts[-1]
            if batch_id not in self.batches:
                return 404, {"error": {"message": f"no batch {batch_id}"}}, None
            return 200, self._poll(batch_id), None
        if "files" in parts and parts[-1] == "content":
            file_id = parts[-2]
            if file_id not in self.files:
                return 404, {"error": {"message": f"no file {file_id}"}}, None
            return 200, None, self.files[file_id]
        return 404, {"error": {"message": f"unknown path {path}"}}, None

    def _poll(self, batch_id: str) -> dict[str, Any]:
        b = self.batches[batch_id]
        b["polls"] += 1
        if b["polls"] <= self.batch_polls:
            return self._batch_object(batch_id, "in_progress")
        if b["output_file_id"] is None:
            lines = []
            for raw in self.files[b["input_file_id"]].decode().splitlines():
                if not raw.strip():
                    continue
                line = json.loads(raw)
                step = self._next(line["body"])
                body = completion(line["body"], step)
                lines.append(
                    json.dumps(
                        {
                            "id": f"batch_req_{line['custom_id']}",
                            "custom_id": line["custom_id"],
                            "response": {
                                "status_code": 200,
                                "request_id": "req_fake",
                                "body": body,
                            },
                            "error": None,
                        }
                    )
                )
            out_id = f"file-fake-{len(self.files) + 1}"
            self.files[out_id] = ("\n".join(lines) + "\n").encode()
            b["output_file_id"] = out_id
        return self._batch_object(batch_id, "completed")

    # -- deciding and sending answers -----------------------------------------------------

    def _next(self, body: dict[str, Any]) -> Step:
        article = article_of(body)
        with self._lock:
            self.requests.append(body)
            self.per_article[sha256(article.encode()).hexdigest()] += 1
            if self.script:
                return self.script.pop(0)
            for kind, rate in self.faults.items():
                if rate and self.random.random() < rate:
                    self.faults_served[kind] += 1
                    return self._fault(kind, body)
        return self._respond(body)

    def _respond(self, body: dict[str, Any]) -> Step:
        # A repair request (summarizer.brief.repair) is answered by `repair_responder`.
        if _tool_name(body) == "RepairReply":
            return repair_responder(body)
        return self.responder(body)

    def _fault(self, kind: str, body: dict[str, Any]) -> Step:
        if kind in ("429", "rate_limit"):
            return error(
                429,
                "Rate limit reached (injected)",
                code="rate_limit_exceeded",
                headers={"retry-after": self.retry_after},
            )
        if kind in ("500", "503"):
            return error(int(kind), "The server had an error (injected)", code="server_error")
        if kind == "timeout":
            return Step("stall", delay=self.stall_s)
        if kind == "drop":
            return Step("drop")
        if kind == "malformed":
            return Step("reply", '{"title": "cut', status=200)
        if kind == "refusal":
            return Step("refusal", "I'm sorry, I can't help with that. (injected)")
        if kind == "length":
            return Step("length", '{"title": "Cut off')
        if kind == "429_no_retry_after":
            return error(429, "Rate limit reached (injected)", code="rate_limit_exceeded")
        if kind == "html":
            return Step("raw", _HTML_PAGE, headers={"content-type": "text/html; charset=utf-8"})
        if kind == "invalid_json":
            return Step("raw", _BROKEN_JSON, headers={"content-type": "application/json"})
        if kind == "huge":
            return Step("huge", self.huge_bytes)
        if kind == "invented_quote" and _tool_name(body) == "RepairReply":
            # A repair that mends nothing: every listed fact comes back with an invented quote.
            fixes = [
                {
                    "path": f["path"],
                    "key_fact": {
                        "statement": "Injected.",
                        "evidence": ["this sentence was never in the article (injected)"],
                        "status": "confirmed",
                    },
                }
                for f in repair_responder(body).data["fixes"]
                if f["path"].startswith("key_facts")
            ]
            return reply({"fixes": fixes})
        if kind == "invented_quote":
            good = self._respond(body)
            raw = json.loads(good.data) if isinstance(good.data, str) else good.data
            data = dict(raw) if isinstance(raw, dict) else {}
            facts = [dict(f) for f in data.get("key_facts", [])]
            if facts:
                facts[0]["evidence"] = ["this sentence was never in the article (injected)"]
                data["key_facts"] = facts
            return reply(data)
        raise ValueError(f"unknown fault kind {kind!r}")

    def _answer(self, handler: Any, step: Step, request: dict[str, Any]) -> None:
        try:
            self._write(handler, step, request)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (its timeout, during a "stall"): nothing left to say,
            # and no traceback in the test's output.
            handler.close_connection = True

    def _write(self, handler: Any, step: Step, request: dict[str, Any]) -> None:
        delay = self.latency() if callable(self.latency) else self.latency
        if delay or step.delay:
            time.sleep(delay + step.delay)
        if step.kind == "error":
            handler._send(step.status, step.data, step.headers)
            return
        if step.kind == "drop":
            handler.send_response(200)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", "5000")
            handler.end_headers()
            handler.wfile.write(b'{"id": "chatcmpl-dropped", "choices": [')
            handler.wfile.flush()
            handler.close_connection = True
            return
        if step.kind == "raw":
            kind = step.headers.get("content-type", "application/json")
            handler._send(step.status, None, raw=step.data, content_type=kind)
            return
        if step.kind == "huge":
            handler._send(200, None, raw=_huge_completion(request, int(step.data)))
            return
        handler._send(200, completion(request, step), step.headers)


_HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Sign in</h1>"
    b"<p>Your session has expired (injected).</p></body></html>"
)
# A body that claims to be JSON and is not (a proxy cut it, or wrote its own error).
_BROKEN_JSON = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0,'


def _huge_completion(request: dict[str, Any], size: int) -> bytes:
    """A well-formed chat.completion of about `size` bytes: its reply is padding."""
    body = completion(request, reply({"title": "PAD"}))
    message = body["choices"][0]["message"]
    padded = '{"title": "' + "x" * max(0, size) + '"}'
    if message.get("tool_calls"):
        message["tool_calls"][0]["function"]["arguments"] = padded
    else:
        message["content"] = padded
    return json.dumps(body).encode()


def completion(request: dict[str, Any], step: Step) -> dict[str, Any]:
    """A chat.completion object for `step`, shaped like OpenAI's."""
    model = request.get("model", "fake-model")
    tools = request.get("tools") or []
    name = tools[0]["function"]["name"] if tools else "BriefReply"
    prompt_text = "".join(str(m.get("content") or "") for m in request.get("messages", []))
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    finish = "tool_calls"
    if step.kind == "refusal":
        message["refusal"] = str(step.data)
        finish = "stop"
        out_text = str(step.data)
    else:
        args = (
            step.data if isinstance(step.data, str) else json.dumps(step.data, ensure_ascii=False)
        )
        out_text = args
        call = {
            "id": "call_fake_1",
            "type": "function",
            "function": {"name": name, "arguments": args},
        }
        if tools:
            message["tool_calls"] = [call]
        else:
            # JSON modes read the content, not a tool call.
            message["content"] = args
            finish = "stop"
        if step.kind == "length":
            finish = "length"
    prompt_tokens = estimate_tokens(prompt_text)
    completion_tokens = estimate_tokens(out_text)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1764000000,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


# --- latency distributions and synthetic articles, for reliability tests and benchmarks --------


def lognormal_latency(median: float, sigma: float = 0.5, *, seed: int = 0) -> Callable[[], float]:
    """A `latency` for FakeOpenAIServer drawn from a log-normal distribution (seconds).

    Real model latencies have a long right tail; `sigma` sets how long (0 gives `median` always).
    """
    rng = random.Random(seed)
    lock = threading.Lock()
    mu = math.log(median) if median > 0 else float("-inf")

    def draw() -> float:
        if median <= 0:
            return 0.0
        with lock:  # server threads draw concurrently
            return rng.lognormvariate(mu, sigma)

    return draw


def uniform_latency(low: float, high: float, *, seed: int = 0) -> Callable[[], float]:
    """A `latency` for FakeOpenAIServer drawn uniformly from [low, high] seconds."""
    rng = random.Random(seed)
    lock = threading.Lock()

    def draw() -> float:
        with lock:
            return rng.uniform(low, high)

    return draw


_FIRST = ["Maria", "Tomas", "Anan", "Lena", "Omar", "Ingrid", "Kofi", "Yuki", "Pavel", "Sara"]
_LAST = ["Keller", "Reed", "Chai", "Ortiz", "Haddad", "Berg", "Mensah", "Tanaka", "Novak", "Lund"]
_VERBS = ["said", "told reporters", "wrote in a statement", "argued", "confirmed", "warned"]
_THINGS = [
    "the new flood barrier",
    "the budget plan",
    "the port expansion",
    "the rail contract",
    "the water tariff",
    "the school merger",
    "the hospital wing",
    "the bridge repair",
]
_PLACES = ["Northport", "the river district", "the old harbour", "the capital", "Eastfield"]


def synthetic_article(index: int, words: int = 600) -> str:
    """A deterministic synthetic news article of about `words` words, distinct for each index.

    Not real news: sentences of the form "<First Last> said that <thing> in <place> would be
    reviewed again at meeting <index>-<n>.", in paragraphs, so that replies can cite named
    people and quote whole sentences.
    """
    rng = random.Random(index * 7919 + words)
    people = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(4)]
    paras: list[str] = []
    count = 0
    n = 0
    while count < words:
        sents = []
        for _ in range(rng.randint(3, 6)):
            n += 1
            s = (
                f"{rng.choice(people)} {rng.choice(_VERBS)} that {rng.choice(_THINGS)} in "
                f"{rng.choice(_PLACES)} would be reviewed again at meeting {index}-{n}."
            )
            sents.append(s)
            count += len(s.split())
        paras.append(" ".join(sents))
    return "\n\n".join(paras)


def first_sentences_reply(article: str, facts: int = 3) -> dict[str, Any]:
    """A reply for `article` that passes validation and grounding: its first sentences as facts.

    Made for `synthetic_article` (every sentence starts with a two-word name) but grounded for
    any text whose sentences end with ". ". An authored reply, not a model's.
    """
    flat = " ".join(article.split())
    sentences = [s.strip() + "." for s in flat.split(". ") if len(s.strip()) > 20][:facts]
    if not sentences:
        sentences = [flat[:120]]
    people = list(dict.fromkeys(" ".join(s.split()[:2]) for s in sentences))
    return {
        "title": "Officials review local projects",
        "summary": "Officials said several projects would be reviewed. Meetings continue.",
        "key_facts": [
            {
                "statement": s,
                "evidence": [s],
                "status": "claimed",
                "attribution": " ".join(s.split()[:2]),
            }
            for s in sentences
        ],
        "parties": [
            {"name": p, "kind": "person", "role": "official", "aliases": [p.split()[-1]]}
            for p in people
        ],
        "positions": [
            {
                "party": " ".join(sentences[0].split()[:2]),
                "stance": "Wants a review.",
                "evidence": [sentences[0]],
            }
        ],
        "open_questions": [
            {
                "question": "When will the reviews end?",
                "why_open": "No date is given.",
                "parties": people[:1],
            }
        ],
    }


class FirstSentencesResponder:
    """A responder answering `first_sentences_reply`, computed once per article and kept as JSON.

    Cheap to serve, which matters when the server shares two cores with the client under test.
    """

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Step:
        text = article_of(request)
        key = sha256(text.encode()).hexdigest()
        with self._lock:
            data = self._cache.get(key)
        if data is None:
            data = json.dumps(first_sentences_reply(text))
            with self._lock:
                self._cache[key] = data
        return reply(data)
