"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 serving in-memory repositories.

It answers the endpoints huggingface_hub 2.x calls, with the JSON shapes and headers the real
Hub sends, so tests drive the real client over real sockets:

* ``GET /api/models`` (search, author, filter, sort, direction, limit, full, cardData,
  expand; cursor pagination through a ``Link: <…>; rel="next"`` header)
* ``GET /api/models/{repo_id}`` and ``…/revision/{rev}`` (model_info; ``blobs=true`` adds
  sizes and LFS sha256 to ``siblings``; ``expand`` selects fields)
* ``GET /api/models/{repo_id}/tree/{rev}[/{path}]`` (list_repo_tree; recursive, expand,
  cursor pagination) and ``POST …/paths-info/{rev}`` (get_paths_info)
* ``HEAD``/``GET /{repo_id}/resolve/{rev}/{path}`` with single ``Range`` requests (206 +
  Content-Range, 416 when unsatisfiable), ETag / X-Linked-Etag / X-Linked-Size /
  X-Repo-Commit. With ``lfs_redirect=True`` LFS files answer 302 to a "CDN" URL on
  ``localhost`` (another origin than ``127.0.0.1``, as a real CDN is), which serves the bytes.

Access follows the real Hub: an unknown or private repository without a valid token is 401
``X-Error-Code: RepoNotFound`` (404 with a token); a gated repository's metadata and file list
are public but its files need the token (401 ``GatedRepo``); a token that is not the hub's is
401 "Invalid credentials in Authorization header" on every endpoint.

Faults (:meth:`FakeHub.inject`) apply to file requests: a ``status`` fault to the next HEAD or
GET of that file, byte faults (drop, stall, corrupt) to the next GET that sends its bytes.
:meth:`FakeHub.release_stalls` ends the stalls in progress early.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

_CHUNK = 64 * 1024
_EPOCH = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_REPO_SUBPATHS = {"revision", "tree", "paths-info"}
# Fields /api/models returns when neither ``full`` nor ``expand`` asks for others.
_LIST_DEFAULT_FIELDS = {
    "_id", "id", "modelId", "likes", "trendingScore", "private", "downloads", "tags",
    "pipeline_tag", "library_name", "createdAt",
}  # fmt: skip
_LIST_FULL_FIELDS = _LIST_DEFAULT_FIELDS | {"author", "sha", "lastModified", "gated", "disabled"}
_SORT_FIELDS = {
    "downloads": "downloads",
    "likes": "likes",
    "lastModified": "lastModified",
    "last_modified": "lastModified",
    "trendingScore": "trendingScore",
    "trending_score": "trendingScore",
    "createdAt": "createdAt",
    "created_at": "createdAt",
}


@dataclass(eq=False)
class FakeFile:
    path: str
    content: bytes = field(repr=False)
    lfs: bool = True

    @property
    def size(self) -> int:
        return len(self.content)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @cached_property
    def lfs_pointer(self) -> bytes:
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
            f"size {self.size}\n"
        ).encode()

    @cached_property
    def git_oid(self) -> str:
        """The git blob id of what git stores: the pointer for an LFS file, else the content."""
        blob = self.lfs_pointer if self.lfs else self.content
        return hashlib.sha1(b"blob %d\0" % len(blob) + blob).hexdigest()

    @property
    def etag(self) -> str:
        return self.sha256 if self.lfs else self.git_oid


@dataclass(eq=False)
class FakeRepo:
    repo_id: str
    files: list[FakeFile]
    gated: bool = False
    private: bool = False
    downloads: int = 0
    likes: int = 0
    last_modified: datetime = _EPOCH
    license: str | None = "apache-2.0"
    tags: list[str] = field(default_factory=lambda: ["gguf"])
    library_name: str | None = None
    pipeline_tag: str | None = "text-generation"
    # As the Hub reports it, e.g. {"total": 134515008, "architecture": "llama",
    # "context_length": 8192}.
    gguf: dict[str, Any] | None = None
    # The commit "main" points at; derived from the id when left empty.
    sha: str = ""
    trending_score: int = 0

    def __post_init__(self) -> None:
        if not self.sha:
            self.sha = hashlib.sha1(f"commit:{self.repo_id}".encode()).hexdigest()

    def file(self, path: str) -> FakeFile | None:
        return next((f for f in self.files if f.path == path), None)

    def directories(self) -> set[str]:
        folders: set[str] = set()
        for f in self.files:
            parts = f.path.split("/")[:-1]
            folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return folders


@dataclass
class Fault:
    drop_after: int | None = None  # close the connection after this many body bytes
    stall_after: int | None = None  # stop sending after this many body bytes ...
    stall_seconds: float = 30.0  # ... for this long (or until stop()), then close
    corrupt: bool = False  # flip a byte in the middle of what is served
    status: int | None = None  # answer this status instead, with the Hub's error headers
    times: int = 1  # how many requests the fault applies to

    @property
    def kind(self) -> str:
        return "bytes" if self.status is None else "status"


@dataclass
class RequestRecord:
    method: str
    path: str  # percent-decoded, without the query string
    range: str | None
    authorization: str | None
    status: int
    body_bytes: int  # body bytes actually sent (updated while a body is being sent)
    query: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: FakeHub


class FakeHub:
    def __init__(
        self,
        repos: Iterable[FakeRepo] = (),
        *,
        token: str = "hf_fake_token",
        lfs_redirect: bool = False,
        page_size: int = 1000,
    ) -> None:
        self.token = token
        self.lfs_redirect = lfs_redirect
        # Entries per page of /api/models and tree listings (the real Hub: 1000; 50 expanded).
        self.page_size = page_size
        self.requests: list[RequestRecord] = []
        self._repos: dict[str, FakeRepo] = {}
        self._faults: dict[tuple[str, str], list[Fault]] = {}
        self._served: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Set to end the stalls in progress (release_stalls, stop); later stalls get a new one.
        self._stalls_over = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        for repo in repos:
            self.add_repo(repo)

    # -- control --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeHub is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def start(self) -> FakeHub:
        if self._server is not None:
            raise RuntimeError("FakeHub is already started")
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hub = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeHub:{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; stalled and idle keep-alive handlers wake up and close at once."""
        if self._server is None or self._stopping.is_set():
            return
        self._stopping.set()
        self._stalls_over.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def add_repo(self, repo: FakeRepo) -> None:
        with self._lock:
            self._repos[repo.repo_id] = repo

    def repo(self, repo_id: str) -> FakeRepo:
        with self._lock:
            return self._repos[repo_id]

    def inject(self, repo_id: str, path: str, fault: Fault) -> None:
        with self._lock:
            self._faults.setdefault((repo_id, path), []).append(fault)

    def bytes_served(self, repo_id: str, path: str) -> int:
        """Body bytes of that file sent so far, over every GET (resolve or CDN)."""
        with self._lock:
            return self._served.get((repo_id, path), 0)

    def file_requests(self, repo_id: str, path: str) -> list[RequestRecord]:
        """The HEAD/GET requests made for one file (resolve and CDN), in order."""
        resolve = re.compile(rf"^/{re.escape(repo_id)}/resolve/[^/]+/{re.escape(path)}$")
        cdn = f"/_cdn/{repo_id}/{path}"
        with self._lock:
            return [r for r in self.requests if resolve.match(r.path) or r.path == cdn]

    # -- used by the handler ---------------------------------------------------------------

    def _lookup(self, repo_id: str) -> FakeRepo | None:
        with self._lock:
            return self._repos.get(repo_id)

    def _visible_repos(self, authorized: bool) -> list[FakeRepo]:
        with self._lock:
            return [r for r in self._repos.values() if authorized or not r.private]

    def release_stalls(self) -> None:
        """End the stalls in progress now: their connections close, as after stall_seconds."""
        with self._lock:
            over, self._stalls_over = self._stalls_over, threading.Event()
            if self._stopping.is_set():
                self._stalls_over.set()
        over.set()

    def _stall(self, seconds: float) -> None:
        with self._lock:
            over = self._stalls_over
        over.wait(seconds)

    def _take_fault(self, repo_id: str, path: str, kind: str) -> Fault | None:
        """The oldest pending fault of that kind ("status" or "bytes") for the file, if any."""
        with self._lock:
            queue = self._faults.get((repo_id, path), [])
            for fault in queue:
                if fault.kind != kind:
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    queue.remove(fault)
                return fault
        return None

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _count(self, record: RequestRecord, key: tuple[str, str] | None, n_bytes: int) -> None:
        with self._lock:
            record.body_bytes += n_bytes
            if key is not None:
                self._served[key] = self._served.get(key, 0) + n_bytes


class _Error(Exception):
    """An error answer, with the headers the real Hub uses to classify it."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        if code is not None:
            self.headers["X-Error-Code"] = code
        self.headers["X-Error-Message"] = message


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect from the Hub
    server_version = "FakeHub/1.0"
    timeout = 30  # an idle keep-alive connection or a client that stops reading
    server: _Server

    @property
    def hub(self) -> FakeHub:
        return self.server.hub

    def setup(self) -> None:
        super().setup()
        with self.hub._lock:
            self.hub._connections.add(self.connection)

    def finish(self) -> None:
        with self.hub._lock:
            self.hub._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read hub.requests; stderr stays clean

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    # -- routing ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        self._query = parse_qs(split.query, keep_blank_values=True)
        self._raw_path = split.path
        body = b""
        if self.command == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if self._raw_path.startswith("/_cdn/"):
                self._cdn()  # a signed CDN URL: no Hub authentication involved
                return
            self._authorized = self._check_token()
            if self._raw_path == "/api/models" and self.command == "GET":
                self._list_models()
            elif self._raw_path.startswith("/api/models/"):
                self._repo_api(self._raw_path[len("/api/models/") :], body)
            elif "/resolve/" in self._raw_path and self.command in ("GET", "HEAD"):
                self._resolve()
            else:
                raise _Error(404, "Not Found")
        except _Error as error:
            self._send_json(error.status, {"error": error.message}, error.headers)

    def _check_token(self) -> bool:
        authorization = self.headers.get("Authorization")
        if authorization is None:
            return False
        if authorization != f"Bearer {self.hub.token}":
            raise _Error(401, "Invalid credentials in Authorization header")
        return True

    def _repo_api(self, rest: str, body: bytes) -> None:
        segments = rest.split("/")
        length = 1 if len(segments) > 1 and segments[1] in _REPO_SUBPATHS else 2
        repo_id = unquote("/".join(segments[:length]))
        tail = [unquote(s) for s in segments[length:]]
        if self.command == "GET" and not tail:
            self._model_info(repo_id, "main")
        elif self.command == "GET" and len(tail) == 2 and tail[0] == "revision":
            self._model_info(repo_id, tail[1])
        elif self.command == "GET" and len(tail) >= 2 and tail[0] == "tree":
            self._tree(repo_id, tail[1], "/".join(tail[2:]).strip("/"))
        elif self.command == "POST" and len(tail) == 2 and tail[0] == "paths-info":
            self._paths_info(repo_id, tail[1], body)
        else:
            raise _Error(404, "Not Found")

    def _repo(self, repo_id: str, revision: str, *, content: bool = False) -> FakeRepo:
        repo = self.hub._lookup(repo_id)
        if repo is None or (repo.private and not self._authorized):
            # Without a token the Hub does not say whether a private repository exists.
            raise _Error(404 if self._authorized else 401, "Repository not found", "RepoNotFound")
        if repo.gated and content and not self._authorized:
            raise _Error(
                401,
                f"Access to model {repo_id} is restricted. You must have access to it and be "
                "authenticated to access it. Please log in.",
                "GatedRepo",
            )
        if revision not in ("main", repo.sha):
            raise _Error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return repo

    # -- API endpoints -----------------------------------------------------------------------

    def _list_models(self) -> None:
        query = self._query
        repos = self.hub._visible_repos(self._authorized)
        search = _one(query, "search")
        if search:
            repos = [r for r in repos if search.lower() in r.repo_id.lower()]
        author = _one(query, "author")
        if author:
            repos = [r for r in repos if r.repo_id.split("/")[0].lower() == author.lower()]
        for wanted in query.get("filter", []):
            repos = [r for r in repos if _matches_filter(r, wanted)]
        gated = _one(query, "gated")
        if gated is not None:
            repos = [r for r in repos if r.gated == (gated.lower() == "true")]
        sort = _one(query, "sort")
        if sort:
            if sort not in _SORT_FIELDS:
                raise _Error(400, f"Invalid sort parameter: {sort}")
            key = _SORT_FIELDS[sort]
            descending = _one(query, "direction") != "1"
            repos.sort(key=lambda r: r.repo_id)  # ties stay in a stable, known order
            repos.sort(key=lambda r: _model_fields(r)[key], reverse=descending)
        limit = int(_one(query, "limit") or self.hub.page_size)
        page_size = min(limit, self.hub.page_size)
        expand = query.get("expand", []) + query.get("expand[]", [])
        if expand:
            fields = {"_id", "id", *expand}
        elif _is_true(_one(query, "full")):
            fields = {*_LIST_FULL_FIELDS, "siblings"}
        else:
            fields = set(_LIST_DEFAULT_FIELDS)
        if not expand and _is_true(_one(query, "cardData")):
            fields.add("cardData")
        page, next_link = self._page(repos, page_size)
        items = [_select(_model_fields(r), fields) for r in page]
        self._send_json(200, items, next_link)

    def _model_info(self, repo_id: str, revision: str) -> None:
        repo = self._repo(repo_id, revision)
        data = _model_fields(repo, blobs=_is_true(_one(self._query, "blobs")))
        expand = self._query.get("expand", []) + self._query.get("expand[]", [])
        if expand:
            data = _select(data, {"_id", "id", *expand})
        self._send_json(200, data)

    def _tree(self, repo_id: str, revision: str, folder: str) -> None:
        repo = self._repo(repo_id, revision)
        if folder and folder not in repo.directories():
            raise _Error(404, f"{folder} does not exist on {revision}", "EntryNotFound")
        recursive = _is_true(_one(self._query, "recursive"))
        expand = _is_true(_one(self._query, "expand"))
        prefix = f"{folder}/" if folder else ""

        def wanted(path: str) -> bool:
            if not path.startswith(prefix):
                return False
            return recursive or "/" not in path[len(prefix) :]

        entries = [_dir_entry(repo, d, expand) for d in repo.directories() if wanted(d)]
        entries += [_file_entry(repo, f, expand) for f in repo.files if wanted(f.path)]
        entries.sort(key=lambda e: e["path"])
        page_size = min(50, self.hub.page_size) if expand else self.hub.page_size
        page, next_link = self._page(entries, page_size)
        self._send_json(200, page, next_link)

    def _paths_info(self, repo_id: str, revision: str, body: bytes) -> None:
        repo = self._repo(repo_id, revision)
        form = parse_qs(body.decode(), keep_blank_values=True)
        expand = _is_true(_one(form, "expand"))
        folders = repo.directories()
        answer: list[dict[str, Any]] = []
        for path in form.get("paths", []):
            path = path.strip("/")
            file = repo.file(path)
            if file is not None:
                answer.append(_file_entry(repo, file, expand))
            elif path in folders:
                answer.append(_dir_entry(repo, path, expand))
        self._send_json(200, answer)

    def _page(self, items: list[Any], page_size: int) -> tuple[list[Any], dict[str, str]]:
        """One page from the ``cursor`` offset, and a Link header to the next one if any."""
        start = int(_one(self._query, "cursor") or 0)
        page = items[start : start + page_size]
        if start + page_size >= len(items):
            return page, {}
        query = {k: v for k, v in self._query.items() if k != "cursor"}
        query["cursor"] = [str(start + page_size)]
        next_url = f"{self.hub.url}{self._raw_path}?{urlencode(query, doseq=True)}"
        return page, {"Link": f'<{next_url}>; rel="next"'}

    # -- files ---------------------------------------------------------------------------------

    def _resolve(self) -> None:
        repo_part, _, rest = self._raw_path.partition("/resolve/")
        repo_id = unquote(repo_part.lstrip("/"))
        revision_raw, _, path_raw = rest.partition("/")
        revision, path = unquote(revision_raw), unquote(path_raw)
        repo = self._repo(repo_id, revision, content=True)
        headers = {"X-Repo-Commit": repo.sha}
        file = repo.file(path)
        if file is None:
            raise _Error(404, "Entry not found", "EntryNotFound", headers)
        key = (repo_id, path)
        fault = self.hub._take_fault(repo_id, path, "status")
        if fault is not None:
            raise _fault_error(fault.status or 500, repo_id, headers)
        headers["ETag"] = f'"{file.etag}"'
        if file.lfs:
            headers["X-Linked-Etag"] = f'"{file.sha256}"'
            headers["X-Linked-Size"] = str(file.size)
        if file.lfs and self.hub.lfs_redirect:
            # Another host name for the same server: the client sees another origin, as with
            # the real Hub's CDN, so it drops the Authorization header on the way.
            query = urlencode({"X-Amz-Signature": file.sha256[:16]})
            location = f"http://localhost:{self.hub.port}/_cdn/{quote(repo_id)}/{quote(path)}"
            headers["Location"] = f"{location}?{query}"
            self._start_response(302, headers, 0)
            return
        self._send_file(file, key, headers)

    def _cdn(self) -> None:
        if self.command not in ("GET", "HEAD"):
            raise _Error(405, "Method Not Allowed")
        target = unquote(self._raw_path[len("/_cdn/") :])
        for repo_id in sorted((r.repo_id for r in self.hub._visible_repos(True)), key=len):
            if target.startswith(repo_id + "/"):
                repo = self.hub.repo(repo_id)
                file = repo.file(target[len(repo_id) + 1 :])
                if file is not None:
                    fault = self.hub._take_fault(repo_id, file.path, "status")
                    if fault is not None:
                        raise _fault_error(fault.status or 500, repo_id, {})
                    self._send_file(file, (repo_id, file.path), {"ETag": f'"{file.sha256}"'})
                    return
        raise _Error(404, "NoSuchKey")

    def _send_file(self, file: FakeFile, key: tuple[str, str], headers: dict[str, str]) -> None:
        headers = {**headers, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        size = file.size
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        if wanted and self.command == "GET":
            try:
                satisfiable = _parse_range(wanted, size)
            except ValueError:  # several ranges, or malformed: serve the whole file, as allowed
                satisfiable = (0, size - 1)
            else:
                if satisfiable is None:
                    headers["Content-Range"] = f"bytes */{size}"
                    raise _Error(416, "Requested Range Not Satisfiable", headers=headers)
                status = 206
                headers["Content-Range"] = f"bytes {satisfiable[0]}-{satisfiable[1]}/{size}"
            start, end = satisfiable
        body = file.content[start : end + 1]
        if self.command == "HEAD":
            self._start_response(status, headers, len(body))
            return
        fault = self.hub._take_fault(key[0], key[1], "bytes")
        if fault is not None and fault.corrupt and body:
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        record = self._start_response(status, headers, len(body))
        self._send_body(body, record, key, fault)

    def _send_body(
        self, body: bytes, record: RequestRecord, key: tuple[str, str], fault: Fault | None
    ) -> None:
        cut = len(body)
        if fault is not None and fault.drop_after is not None:
            cut = min(cut, fault.drop_after)
        if fault is not None and fault.stall_after is not None:
            cut = min(cut, fault.stall_after)
        view = memoryview(body)
        sent = 0
        try:
            while sent < cut:
                piece = view[sent : min(sent + _CHUNK, cut)]
                self.wfile.write(piece)
                sent += len(piece)
                self.hub._count(record, key, len(piece))
            if cut < len(body):
                if fault is not None and fault.stall_after is not None and sent == cut:
                    self.wfile.flush()
                    self.hub._stall(fault.stall_seconds)
                self._abort_connection()
        except OSError:  # the client went away (it may only have wanted the first bytes)
            self.close_connection = True

    def _abort_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- responses -----------------------------------------------------------------------------

    def _start_response(self, status: int, headers: dict[str, str], length: int) -> RequestRecord:
        """Send status and headers; the request is recorded before any body byte leaves."""
        record = RequestRecord(
            method=self.command,
            path=unquote(self._raw_path),
            range=self.headers.get("Range"),
            authorization=self.headers.get("Authorization"),
            status=status,
            body_bytes=0,
            query=urlsplit(self.path).query,
        )
        self.hub._record(record)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        return record

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        record = self._start_response(status, all_headers, len(body))
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
                self.hub._count(record, None, len(body))
            except OSError:
                self.close_connection = True


# -- JSON shapes --------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _model_fields(repo: FakeRepo, *, blobs: bool = False) -> dict[str, Any]:
    """Every field the Hub knows about a model, named as in its JSON."""
    siblings: list[dict[str, Any]] = []
    for f in repo.files:
        sibling: dict[str, Any] = {"rfilename": f.path}
        if blobs:
            sibling.update(size=f.size, blobId=f.git_oid)
            if f.lfs:
                sibling["lfs"] = {
                    "sha256": f.sha256,
                    "size": f.size,
                    "pointerSize": len(f.lfs_pointer),
                }
        siblings.append(sibling)
    tags = list(repo.tags)
    if repo.license and f"license:{repo.license}" not in tags:
        tags.append(f"license:{repo.license}")
    data: dict[str, Any] = {
        "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
        "id": repo.repo_id,
        "modelId": repo.repo_id,
        "author": repo.repo_id.split("/")[0] if "/" in repo.repo_id else None,
        "sha": repo.sha,
        "lastModified": _iso(repo.last_modified),
        "createdAt": _iso(min(repo.last_modified, _EPOCH)),
        "private": repo.private,
        "gated": "auto" if repo.gated else False,
        "disabled": False,
        "downloads": repo.downloads,
        "likes": repo.likes,
        "trendingScore": repo.trending_score,
        "tags": tags,
        "pipeline_tag": repo.pipeline_tag,
        "library_name": repo.library_name,
        "cardData": {"license": repo.license} if repo.license else {},
        "gguf": repo.gguf,
        "siblings": siblings,
        "usedStorage": sum(f.size for f in repo.files),
    }
    return {k: v for k, v in data.items() if v is not None}


def _select(data: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in fields}


def _last_commit(repo: FakeRepo) -> dict[str, str]:
    return {"id": repo.sha, "title": "Upload model files", "date": _iso(repo.last_modified)}


def _file_entry(repo: FakeRepo, file: FakeFile, expand: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "file", "oid": file.git_oid, "size": file.size}
    if file.lfs:
        entry["lfs"] = {"oid": file.sha256, "size": file.size, "pointerSize": len(file.lfs_pointer)}
    entry["path"] = file.path
    if expand:
        entry["lastCommit"] = _last_commit(repo)
        entry["securityFileStatus"] = {
            "status": "safe",
            "avScan": {"virusFound": False, "virusNames": None},
            "pickleImportScan": None,
        }
    return entry


def _dir_entry(repo: FakeRepo, path: str, expand: bool) -> dict[str, Any]:
    oid = hashlib.sha1(f"tree:{repo.sha}:{path}".encode()).hexdigest()
    entry: dict[str, Any] = {"type": "directory", "oid": oid, "size": 0, "path": path}
    if expand:
        entry["lastCommit"] = _last_commit(repo)
    return entry


def _fault_error(status: int, repo_id: str, headers: dict[str, str]) -> _Error:
    """An injected status, dressed as the real Hub would send it."""
    if status == 404:
        return _Error(404, "Entry not found", "EntryNotFound", headers)
    if status in (401, 403):
        return _Error(status, f"Access to model {repo_id} is restricted.", "GatedRepo", headers)
    if status in (429, 503):
        return _Error(status, "Please retry later", headers={**headers, "Retry-After": "1"})
    return _Error(status, "Internal Error", headers=headers)


# -- query helpers -------------------------------------------------------------------------------


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _is_true(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def _matches_filter(repo: FakeRepo, wanted: str) -> bool:
    wanted = wanted.lower()
    known = {t.lower() for t in repo.tags}
    known.update(v.lower() for v in (repo.library_name, repo.pipeline_tag) if v)
    return wanted in known


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end), inclusive, of a single ``bytes=`` range; None when it is unsatisfiable.

    ValueError for several ranges or a malformed header, which a server may ignore.
    """
    match = _RANGE.match(header.strip())
    if match is None or not any(match.groups()):
        raise ValueError(header)
    first, last = match.groups()
    if not first:  # "bytes=-500": the last 500 bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length and size else None
    start = int(first)
    if start >= size or (last and int(last) < start):
        return None
    return (start, min(int(last), size - 1) if last else size - 1)
