"""A small Bot API stand-in served over HTTP on 127.0.0.1, with the real API's JSON shapes and errors.

Requests are form-encoded with every non-string parameter JSON-encoded (as python-telegram-bot sends them).
The test side pushes user updates (messages, edits, button presses, inline queries) and reads what the bot
sent, edited and answered. Faults can be injected per method: error answers (429 with retry_after, 502, any
other status), a connection dropped without an answer (``drop``), an answer held back longer than the client
waits (``hang``), a random share of failing calls (``flaky``), and the whole server going away and coming back
on the same port with its state intact (``go_down`` / ``come_up`` / ``restart``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from .tg_html import ParseError, parse_html, u16

TOKEN = "123456789:AAE-stand-in-token-for-tests_0123456"
BOT_ID = 123456789
BOT_USERNAME = "natobot_test_bot"
STRING_PARAMS = {
    "text", "parse_mode", "callback_query_id", "inline_query_id", "description", "short_description",
    "url", "secret_token", "action", "inline_message_id", "next_offset", "language_code", "query", "emoji",
}  # fmt: skip
MESSAGE_TOO_LONG = "Bad Request: message is too long"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
RESET = 0  # a pseudo status for faults: the connection is dropped (TCP RST) and no answer is sent
Json = dict[str, Any]


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class Dropped(Exception):
    """Raised inside the stand-in: close this connection abortively (RST), without an answer."""


@dataclass
class Fault:
    """The next ``times`` calls of ``method``: answer ``status`` (an error), or ``RESET`` (drop the connection
    after ``delay`` seconds, the call has no effect), or 200 after ``delay`` seconds (a hang; with
    ``takes_effect`` the call is carried out at once and only the answer is late)."""

    method: str
    status: int
    times: int
    retry_after: int = 1
    delay: float = 0.0
    takes_effect: bool = True


@dataclass
class Call:
    method: str
    params: Json
    at: float = field(default_factory=time.monotonic)


def user(uid: int = 1001, first_name: str = "Ann", username: str | None = "ann") -> Json:
    u: Json = {"id": uid, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        u["username"] = username
    return u


def private_chat(u: Json) -> Json:
    chat = {"id": u["id"], "type": "private", "first_name": u["first_name"]}
    if "username" in u:
        chat["username"] = u["username"]
    return chat


def group_chat(chat_id: int = -1001234567890, title: str = "NATO readers") -> Json:
    return {"id": chat_id, "type": "supergroup", "title": title}


_WORD_ENTITY = re.compile(r"(?<![\w/@])(/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?|@[A-Za-z0-9_]{5,32})")


def auto_entities(text: str) -> list[Json]:
    """bot_command at the start and @mentions, with UTF-16 offsets, as Telegram's clients produce them."""
    entities = []
    for m in _WORD_ENTITY.finditer(text):
        kind = "mention" if m.group(0).startswith("@") else "bot_command"
        if kind == "bot_command" and m.start() != 0:
            continue
        entities.append({"type": kind, "offset": u16(text[: m.start()]), "length": u16(m.group(0))})
    return entities


class BotAPIStandIn:
    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.me: Json = {
            "id": BOT_ID, "is_bot": True, "first_name": "natobot", "username": username,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True,
            "can_connect_to_business": False, "has_main_web_app": False,
        }  # fmt: skip
        self.bot_user: Json = {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")}
        self.cond = threading.Condition()
        self.pending: list[Json] = []
        self.delivered: dict[int, int] = {}  # update_id -> how many getUpdates responses carried it
        self.confirmed_below = 0  # every update with a smaller id is confirmed (deleted)
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], Json] = {}
        self.chats: dict[int, Json] = {}
        self.callback_queries: dict[str, Json | None] = {}  # id -> the answer (None: not answered yet)
        self.inline_answers: dict[str, Json] = {}
        self.commands: dict[str, list[Json]] = {}
        self.description = ""
        self.webhook: Json = {"url": ""}
        self.allowed_updates: list[str] | None = None
        self.faults: list[Fault] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(7000)
        self._stopping = False
        self.down = False  # between go_down() and come_up(): nothing listens on the port
        # HTTP/1.1 keep-alive as Telegram's servers do (idle pooled connections, which a restart cuts), instead
        # of one connection per call. Off by default: httpx checks every idle pooled connection on every request
        # (syscalls per connection), which makes a busy client slower than with fresh connections.
        self.keep_alive = False
        self.bot_messages_sent = 0  # sendMessage calls that delivered a message (survives ``forget``)
        self.outages: list[tuple[float, float]] = []  # (went down, came up), time.monotonic()
        self._flaky: dict[str, tuple[float, tuple[int, ...]]] = {}
        self._rng = random.Random(0)
        self.injected: Counter[str] = Counter()  # method -> faults injected (scripted and random)
        self._connections: set[socket.socket] = set()  # open client connections (cut when the server goes down)
        self._aborted: set[socket.socket] = set()  # connections to close with RST instead of FIN
        self.server = _Server(0, self._handler_class(), self)
        self.port: int = self.server.server_address[1]
        self.thread = self._serving_thread()

    # --- lifecycle ---------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _serving_thread(self) -> threading.Thread:
        return threading.Thread(target=self.server.serve_forever, args=(0.05,), name="botapi", daemon=True)

    def start(self) -> BotAPIStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        with self.cond:
            self._stopping = True
            self.cond.notify_all()
            was_down = self.down
        if not was_down:
            self.server.shutdown()
            self.server.server_close()

    def go_down(self) -> None:
        """The server goes away: the listening socket is closed (new connections are refused) and every open
        connection is cut, a long poll in progress included (it ends without an answer and hands out nothing).
        All state (pending updates, messages, calls) is kept for ``come_up``."""
        with self.cond:
            if self.down:
                return
            self.down = True
            self.outages.append((time.monotonic(), float("inf")))
            connections = list(self._connections)
            self.cond.notify_all()  # wakes long polls and hangs: they see ``down`` and drop their connection
        self.server.shutdown()
        self.server.server_close()
        for conn in connections:  # idle keep-alive connections: their handler threads are blocked reading
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def come_up(self) -> None:
        """A new server on the same port, with the state the old one had."""
        with self.cond:
            if not self.down or self._stopping:
                return
        self.server = _Server(self.port, self._handler_class(), self)
        self.thread = self._serving_thread()
        self.thread.start()
        with self.cond:
            self.down = False
            went_down, _ = self.outages[-1]
            self.outages[-1] = (went_down, time.monotonic())

    async def restart(self, down: float = 2.0) -> None:
        """``go_down``, ``down`` seconds without a server (the caller's event loop keeps running), ``come_up``."""
        self.go_down()
        await asyncio.sleep(down)
        self.come_up()

    # --- faults ------------------------------------------------------------------------------------------
    def fail(self, method: str, status: int = 429, *, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail without effect: 429 (with retry_after), 502 (an HTML
        page, as Telegram's front end sends it), another status (a JSON error), or ``RESET``."""
        with self.cond:
            self.faults.append(Fault(method, status, times, retry_after))

    def drop(self, method: str, *, after: float = 0.0, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` are accepted, then after ``after`` seconds (say, in the middle
        of a long poll) the connection is reset without an answer. The calls have no effect."""
        with self.cond:
            self.faults.append(Fault(method, RESET, times, delay=after))

    def hang(self, method: str, delay: float, *, times: int = 1, takes_effect: bool = True) -> None:
        """The next ``times`` calls of ``method`` are answered only after ``delay`` seconds (make it longer than
        the client's read timeout). With ``takes_effect`` the call is carried out at once (a message is sent,
        updates are handed out) and only the answer is late, so a client that timed out cannot tell whether it
        worked. Without it the server stalls before looking at the call, and a call whose client has given up
        by then has no effect (a getUpdates hands out nothing)."""
        with self.cond:
            self.faults.append(Fault(method, 200, times, delay=delay, takes_effect=takes_effect))

    def flaky(self, method: str, rate: float, *, seed: int = 0, kinds: Sequence[int] = (502, 500, RESET)) -> None:
        """From now on each call of ``method`` fails with probability ``rate`` (seeded), with a status drawn
        from ``kinds`` (``RESET``: the connection is dropped). A failed call has no effect: no message is
        recorded, so sending it again is safe. ``rate`` 0 turns it off."""
        with self.cond:
            self._rng = random.Random(seed)
            if rate > 0:
                self._flaky[method] = (rate, tuple(kinds))
            else:
                self._flaky.pop(method, None)

    def _take_fault(self, method: str) -> Fault | None:
        """The fault for this call, if any (scripted faults first); called with ``cond`` held."""
        fault = next((f for f in self.faults if f.method == method and f.times > 0), None)
        if fault is not None:
            fault.times -= 1
        elif method in self._flaky:
            rate, kinds = self._flaky[method]
            if self._rng.random() < rate:
                fault = Fault(method, self._rng.choice(kinds), 1)
        if fault is not None:
            self.injected[method] += 1
        return fault

    def _pause(self, seconds: float) -> None:
        """Sleep in a handler thread; cut short (and the connection dropped) when the server goes down."""
        with self.cond:
            self.cond.wait_for(lambda: self._stopping or self.down, timeout=seconds)
            if self.down:
                raise Dropped

    # --- the user's side ---------------------------------------------------------------------------------
    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def push(self, kind: str, payload: Json) -> int:
        with self.cond:
            update_id = next(self._update_ids)
            self.pending.append({"update_id": update_id, kind: payload})
            self.cond.notify_all()
            return update_id

    def message(
        self,
        chat: Json,
        sender: Json,
        text: str | None = None,
        *,
        entities: list[Json] | None = None,
        reply_to: Json | None = None,
        **content: Any,
    ) -> Json:
        """A new user message (text, or other content such as ``sticker=...``); returns the message."""
        with self.cond:
            self.chats[chat["id"]] = chat
            msg: Json = {
                "message_id": self._next_message_id(chat["id"]),
                "from": sender,
                "chat": chat,
                "date": int(time.time()),
                **content,
            }
            if text is not None:
                msg["text"] = text
                ents = auto_entities(text) if entities is None else entities
                if ents:
                    msg["entities"] = ents
            if reply_to is not None:
                msg["reply_to_message"] = api_view(reply_to)
            self.messages[(chat["id"], msg["message_id"])] = msg
        return {**msg, "update_id": self.push("message", dict(msg))}

    def edit(self, msg: Json, text: str) -> int:
        edited = api_view(msg)
        edited.update(text=text, edit_date=int(time.time()))
        edited.pop("entities", None)
        if auto_entities(text):
            edited["entities"] = auto_entities(text)
        return self.push("edited_message", edited)

    def press(self, sender: Json, message: Json, data: str) -> str:
        query_id = str(next(self._query_ids))
        with self.cond:
            self.callback_queries[query_id] = None
        self.push(
            "callback_query",
            {"id": query_id, "from": sender, "message": api_view(message), "chat_instance": "42", "data": data},
        )
        return query_id

    def inline(self, sender: Json, query: str) -> str:
        query_id = str(next(self._query_ids))
        with self.cond:
            self.callback_queries[query_id] = None
        self.push("inline_query", {"id": query_id, "from": sender, "query": query, "offset": "", "chat_type": "sender"})
        return query_id

    # --- what the bot did --------------------------------------------------------------------------------
    def calls_of(self, method: str) -> list[Call]:
        with self.cond:
            return [c for c in self.calls if c.method == method]

    def bot_messages(self, chat_id: int) -> list[Json]:
        """The bot's messages in a chat, oldest first, as they are now (after edits)."""
        with self.cond:
            return [
                m
                for (cid, _), m in sorted(self.messages.items())
                if cid == chat_id and m["from"]["id"] == self.me["id"]
            ]

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.bot_messages(chat_id)]

    def callback_answer(self, query_id: str) -> Json | None:
        with self.cond:
            return self.callback_queries.get(query_id)

    def bot_messages_by_chat(self) -> dict[int, list[Json]]:
        """``bot_messages`` for every chat at once (one pass, for checks over many chats)."""
        by_chat: dict[int, list[Json]] = {}
        with self.cond:
            for (cid, _), m in sorted(self.messages.items()):
                if m["from"]["id"] == self.me["id"]:
                    by_chat.setdefault(cid, []).append(m)
        return by_chat

    def forget(self) -> None:
        """Drop the record of calls and messages (chats, pending updates, ``delivered`` and message ids stay):
        keeps a long run's bookkeeping from growing, e.g. between the batches of a load test."""
        with self.cond:
            self.calls.clear()
            self.messages.clear()

    # --- the Bot API -------------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body go out in two writes: don't hold the second back

            @property
            def protocol_version(self) -> str:  # type: ignore[override]  # read per request: keep_alive applies now
                return "HTTP/1.1" if api.keep_alive else "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(self.rfile.read(length))

            def _client_gone(self) -> bool:
                try:
                    return bool(self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"")
                except BlockingIOError:  # connected, nothing sent: still waiting for the answer
                    return False
                except OSError:
                    return True

            def _serve(self, body: bytes) -> None:
                try:
                    status, ctype, payload = api.handle(
                        self.path, self.headers.get("Content-Type", ""), body, gone=self._client_gone
                    )
                except Dropped:
                    with api.cond:
                        api._aborted.add(self.connection)
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up on a long poll
                    self.wfile.write(payload)

        return Handler

    def handle(
        self, path: str, ctype: str, body: bytes, gone: Callable[[], bool] | None = None
    ) -> tuple[int, str, bytes]:
        """One call: (status, content type, body). Raises ``Dropped`` when the connection is to be reset
        instead; ``gone`` tells whether the client has closed its end (for hangs without effect)."""
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", path.split("?")[0])
        if not m:
            return self._error(ApiError(404, "Not Found"))
        token, method = m.groups()
        if token != self.token:
            return self._error(ApiError(401, "Unauthorized"))
        params = decode_params(ctype, body)
        with self.cond:
            if self.down:
                raise Dropped
            self.calls.append(Call(method, params))
            fault = self._take_fault(method)
        if fault is None:
            return self._call(method, params)
        if fault.status == RESET:
            self._pause(fault.delay)
            raise Dropped
        if fault.status == 502:
            page = b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
            return 502, "text/html", page
        if fault.status == 429:
            retry = {"retry_after": fault.retry_after}
            return self._error(ApiError(429, f"Too Many Requests: retry after {fault.retry_after}", retry))
        if fault.status >= 400:
            return self._error(ApiError(fault.status, HTTPStatus(fault.status).phrase))
        if fault.takes_effect:  # a hang: carried out now, answered late
            answer = self._call(method, params)
            self._pause(fault.delay)
            return answer
        self._pause(fault.delay)  # a hang before the call is looked at: a client that gave up gets nothing
        if gone is not None and gone():
            raise Dropped
        return self._call(method, params)

    def _call(self, method: str, params: Json) -> tuple[int, str, bytes]:
        fn: Callable[[Json], Any] | None = getattr(self, f"api_{method}", None)
        if fn is None:
            return self._error(ApiError(404, "Not Found"))
        try:
            result = fn(params)
        except ApiError as exc:
            return self._error(exc)
        return 200, "application/json", json.dumps({"ok": True, "result": result}).encode()

    @staticmethod
    def _error(exc: ApiError) -> tuple[int, str, bytes]:
        body: Json = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.parameters:
            body["parameters"] = exc.parameters
        return exc.code, "application/json", json.dumps(body).encode()

    # methods --------------------------------------------------------------------------------------------
    def api_getMe(self, p: Json) -> Json:
        return self.me

    def api_getUpdates(self, p: Json) -> list[Json]:
        offset, limit = int(p.get("offset") or 0), int(p.get("limit") or 100)
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        with self.cond:
            if p.get("allowed_updates") is not None:
                self.allowed_updates = list(p["allowed_updates"])
            if offset > 0:
                self.confirmed_below = max(self.confirmed_below, offset)
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
            while True:
                allowed = self.allowed_updates or ["message", "edited_message", "callback_query", "inline_query"]
                batch = [u for u in self.pending if next(k for k in u if k != "update_id") in allowed][:limit]
                remaining = deadline - time.monotonic()
                if self.down:  # the server went away in the middle of the long poll: no answer, nothing handed out
                    raise Dropped
                if batch or remaining <= 0 or self._stopping:
                    break
                self.cond.wait(min(remaining, 0.5))
            for u in batch:
                self.delivered[u["update_id"]] = self.delivered.get(u["update_id"], 0) + 1
            return batch

    def _chat(self, chat_id: Any) -> Json:
        return self.chats.get(int(chat_id), {"id": int(chat_id), "type": "private", "first_name": "?"})

    def _text(self, p: Json, key: str = "text") -> tuple[str, list[Json]]:
        raw = str(p.get(key, ""))
        if p.get("parse_mode") == "HTML":
            try:
                text, entities = parse_html(raw)
            except ParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        else:
            text, entities = raw, []
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if u16(text) > 4096:
            raise ApiError(400, MESSAGE_TOO_LONG)
        return text, entities

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if markup is None:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")

    def api_sendMessage(self, p: Json) -> Json:
        text, entities = self._text(p)
        self._check_markup(p.get("reply_markup"))
        with self.cond:
            chat = self._chat(p["chat_id"])
            msg: Json = {
                "message_id": self._next_message_id(chat["id"]),
                "from": self.bot_user,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
                "html": p.get("text"),
            }
            if entities:
                msg["entities"] = entities
            if p.get("reply_markup"):
                msg["reply_markup"] = p["reply_markup"]
            reply = p.get("reply_parameters") or (
                {"message_id": p["reply_to_message_id"]} if p.get("reply_to_message_id") else None
            )
            if reply:
                target = self.messages.get((chat["id"], int(reply["message_id"])))
                if target is None and not reply.get("allow_sending_without_reply"):
                    raise ApiError(400, "Bad Request: message to be replied not found")
                if target is not None:
                    msg["reply_to_message"] = api_view(target)
            self.messages[(chat["id"], msg["message_id"])] = msg
            self.bot_messages_sent += 1
            self.cond.notify_all()
            return api_view(msg)

    def api_editMessageText(self, p: Json) -> Json | bool:
        text, entities = self._text(p)
        self._check_markup(p.get("reply_markup"))
        with self.cond:
            if p.get("inline_message_id"):
                return True
            key = (int(p.get("chat_id") or 0), int(p.get("message_id") or 0))
            msg = self.messages.get(key)
            if msg is None or msg["from"]["id"] != self.me["id"]:
                raise ApiError(400, "Bad Request: message to edit not found")
            markup = p.get("reply_markup")
            if msg["text"] == text and msg.get("entities", []) == entities and msg.get("reply_markup") == markup:
                raise ApiError(400, NOT_MODIFIED)
            msg.update(text=text, html=p.get("text"), edit_date=int(time.time()))
            msg.pop("entities", None)
            msg.pop("reply_markup", None)  # an edit without reply_markup removes the keyboard
            if entities:
                msg["entities"] = entities
            if markup:
                msg["reply_markup"] = markup
            self.cond.notify_all()
            return api_view(msg)

    def api_answerCallbackQuery(self, p: Json) -> bool:
        with self.cond:
            qid = str(p.get("callback_query_id"))
            if qid not in self.callback_queries or self.callback_queries[qid] is not None:
                raise ApiError(400, QUERY_TOO_OLD)
            if len(str(p.get("text") or "")) > 200:
                raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
            self.callback_queries[qid] = p
            self.cond.notify_all()
            return True

    def api_answerInlineQuery(self, p: Json) -> bool:
        results = p.get("results") or []
        ids = [r.get("id", "") for r in results]
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        if len(set(ids)) != len(ids):
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        for r in results:
            if not 1 <= len(r.get("id", "").encode()) <= 64:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            content = r.get("input_message_content") or {}
            self._text({"text": content.get("message_text", ""), "parse_mode": content.get("parse_mode")})
            self._check_markup(r.get("reply_markup"))
        with self.cond:
            qid = str(p.get("inline_query_id"))
            if qid not in self.callback_queries or qid in self.inline_answers:
                raise ApiError(400, QUERY_TOO_OLD)
            self.inline_answers[qid] = p
            self.cond.notify_all()
            return True

    def api_setMyCommands(self, p: Json) -> bool:
        for c in p.get("commands") or []:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (p.get("scope") or {"type": "default"})["type"]
        with self.cond:
            self.commands[scope] = p.get("commands") or []
        return True

    def api_setMyDescription(self, p: Json) -> bool:
        if len(p.get("description") or "") > 512:
            raise ApiError(400, "Bad Request: BOT_DESCRIPTION_INVALID")
        self.description = p.get("description") or ""
        return True

    def api_deleteWebhook(self, p: Json) -> bool:
        with self.cond:
            self.webhook = {"url": ""}
            if p.get("drop_pending_updates"):
                self.pending.clear()
        return True

    def api_setWebhook(self, p: Json) -> bool:
        with self.cond:
            self.webhook = {"url": p.get("url", ""), "secret_token": p.get("secret_token")}
        return True

    def api_getWebhookInfo(self, p: Json) -> Json:
        with self.cond:
            return {
                "url": self.webhook["url"],
                "has_custom_certificate": False,
                "pending_update_count": len(self.pending),
            }

    def api_sendChatAction(self, p: Json) -> bool:
        return True

    def api_close(self, p: Json) -> bool:
        return True


class _Server(ThreadingHTTPServer):
    """The HTTP server, keeping track of open connections so that the stand-in can cut them (``go_down``) and
    close a dropped one with a TCP RST rather than an orderly FIN."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True  # come_up binds the same port again while old connections are in TIME_WAIT

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler], api: BotAPIStandIn) -> None:
        self.api = api
        super().__init__(("127.0.0.1", port), handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.api.cond:
            self.api._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.api.cond:
            self.api._connections.discard(request)
            aborted = request in self.api._aborted
            self.api._aborted.discard(request)
        if aborted:  # SO_LINGER 0: close() resets the connection, the client sees ECONNRESET
            with contextlib.suppress(OSError):
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.close()
            return
        super().shutdown_request(request)


def api_view(message: Json) -> Json:
    """A message as the Bot API shows it (without the stand-in's bookkeeping: raw HTML, update id)."""
    return {k: v for k, v in message.items() if k not in ("html", "update_id")}


def decode_params(ctype: str, body: bytes) -> Json:
    """Form fields, JSON-decoding every parameter that is not a string in the Bot API."""
    if not body:
        return {}
    if "application/json" in ctype:
        return dict(json.loads(body))
    fields = parse_qs(body.decode(), keep_blank_values=True)
    params: Json = {}
    for key, values in fields.items():
        value = values[-1]
        if key in STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


async def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Poll ``predicate`` (every 10 ms, at most ``timeout`` s) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)
