"""Request bodies against a real uvicorn, through raw sockets: a body above its route's cap gets
its 413 while most of it is still unsent (announced by Content-Length or streamed in chunks), and
a body for a route that needs a signed-in user gets its 401 before a byte of it is sent."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts

from api.limits import (
    CSV_BODY_LIMIT,
    JSON_BODY_LIMIT,
    SIGN_IN_BODY_LIMIT,
    BodyPolicy,
    body_policy,
)
from api.main import create_app
from scheduler import models
from scheduler.auth import create_access_token
from scheduler.config import Settings
from tests.live import serving

HUNDRED_MB = 100 * 1000 * 1000
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Server:
    """A live app on 127.0.0.1 and its settings."""

    port: int
    settings: Settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn serving the app in a thread; no refusal here reaches the database."""
    database = Path(tmp_path_factory.mktemp("limits")) / "unused.db"
    settings = Settings(
        database_url=f"sqlite:///{database}",
        secret_key="limits-test-secret-key-0123456789abcdef",
        log_json=False,
    )
    with serving(create_app(settings)) as port:
        yield Server(port, settings)


def _token(settings: Settings) -> str:
    user = models.User(id=1, groupement_id=1, role=models.Role.COORDINATOR)
    return create_access_token(user, settings)


@dataclass
class Answer:
    """What came back, and how much of the body had been sent by then."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: int


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_answer(sock: socket.socket, sent: int) -> Answer:
    data = b""
    sock.settimeout(5)
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        assert piece, f"connection closed before an answer: {data!r}"
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, value in (line.split(":", 1) for line in header_lines)
    }
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        body += piece
    return Answer(int(status_line.split()[1]), headers, body, sent)


def _post(
    server: Server,
    path: str,
    headers: dict[str, str],
    *,
    chunked: bool = False,
    most: int = 8 * 1024 * 1024,
    first_wait: float = 3.0,
) -> Answer:
    """Announce a large body, give the server `first_wait` seconds to answer the headers alone,
    then send the body a chunk at a time until it answers, never more than `most` bytes; return
    the answer and how many body bytes went out before it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(_head(path, headers))
        sent = 0
        payload = b"x" * CHUNK
        while sent < most:
            readable, _, _ = select.select([sock], [], [], 0.05 if sent else first_wait)
            if readable:
                break
            frame = f"{len(payload):x}\r\n".encode() + payload + b"\r\n" if chunked else payload
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(payload)
        return _read_answer(sock, sent)


def _problem(answer: Answer) -> dict[str, object]:
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = json.loads(answer.body)
    assert problem["status"] == answer.status
    return problem


def test_body_above_its_announced_cap_gets_413_before_it_is_sent(server: Server) -> None:
    headers = {
        "Authorization": f"Bearer {_token(server.settings)}",
        "Content-Type": "application/json",
        "Content-Length": str(HUNDRED_MB),
    }
    answer = _post(server, "/api/v1/assistants", headers)
    assert answer.status == 413
    assert answer.sent == 0  # the answer came on the headers alone
    assert answer.headers["connection"] == "close"
    problem = _problem(answer)
    assert problem["detail"] == (
        "le corps de la requête dépasse 1 Mio, le plus que cette adresse accepte"
    )
    assert problem["instance"] == "/api/v1/assistants"


def test_chunked_body_is_cut_once_it_passes_the_cap(server: Server) -> None:
    headers = {
        "Authorization": f"Bearer {_token(server.settings)}",
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }
    answer = _post(server, "/api/v1/assistants", headers, chunked=True, first_wait=0.2)
    assert answer.status == 413
    # Sent past the cap by a few socket buffers at most; far from the 8 MiB on offer.
    assert JSON_BODY_LIMIT < answer.sent < 4 * JSON_BODY_LIMIT
    assert answer.headers["connection"] == "close"
    assert "1 Mio" in str(_problem(answer)["detail"])


def test_body_without_credentials_gets_401_before_it_is_sent(server: Server) -> None:
    for authorization in (None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"):
        headers = {"Content-Type": "application/json", "Content-Length": str(HUNDRED_MB)}
        if authorization:
            headers["Authorization"] = authorization
        answer = _post(server, "/api/v1/assistants", headers)
        assert answer.status == 401
        assert answer.sent == 0
        assert answer.headers["www-authenticate"] == "Bearer"
        assert _problem(answer)["title"] == "Authentification requise"


def test_expired_token_gets_401_before_the_body(server: Server) -> None:
    user = models.User(id=1, groupement_id=1, role=models.Role.COORDINATOR)
    stale = create_access_token(user, server.settings, now=datetime.now(UTC) - timedelta(hours=2))
    headers = {
        "Authorization": f"Bearer {stale}",
        "Content-Type": "application/json",
        "Content-Length": "100",
    }
    answer = _post(server, "/api/v1/assistants", headers)
    assert (answer.status, answer.sent) == (401, 0)
    assert _problem(answer)["detail"] == "jeton invalide ou expiré"


def test_page_form_without_a_session_is_sent_to_sign_in_before_the_body(server: Server) -> None:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(HUNDRED_MB),
    }
    answer = _post(server, "/planning/calculs", headers)
    assert (answer.status, answer.sent) == (303, 0)
    assert answer.headers["location"] == "/connexion?suite=/planning/calculs"


@pytest.mark.parametrize(
    ("path", "content_type", "limit"),
    [
        ("/api/v1/auth/token", "application/x-www-form-urlencoded", "16 Kio"),
        ("/connexion", "application/x-www-form-urlencoded", "16 Kio"),
        ("/api/v1/patientele/imports", "text/csv", "10 Mio"),
        ("/api/v1/patientele/imports", "application/json", "1 Mio"),
    ],
)
def test_each_route_has_its_cap(server: Server, path: str, content_type: str, limit: str) -> None:
    size = {"16 Kio": SIGN_IN_BODY_LIMIT, "10 Mio": CSV_BODY_LIMIT, "1 Mio": JSON_BODY_LIMIT}
    headers = {
        "Authorization": f"Bearer {_token(server.settings)}",
        "Content-Type": content_type,
        "Content-Length": str(size[limit] + 1),
    }
    answer = _post(server, path, headers)
    assert (answer.status, answer.sent) == (413, 0)
    if path.startswith("/api/"):
        assert f"dépasse {limit}," in str(_problem(answer)["detail"])
    else:  # a page's form: the pages' French HTML error page
        assert answer.headers["content-type"].startswith("text/html")
        assert f"dépasse {limit}," in answer.body.decode()


def test_body_policy_picks_the_cap_by_media_type() -> None:
    csv = BodyPolicy(csv=True)
    assert csv.limit("text/csv; charset=utf-8") == CSV_BODY_LIMIT
    assert csv.limit("application/json") == JSON_BODY_LIMIT
    assert BodyPolicy(sign_in=True).limit("multipart/form-data") == SIGN_IN_BODY_LIMIT


def test_every_write_route_checks_credentials_before_its_body() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    # The first run is open to whoever holds its one-time token, while no user exists.
    public = {
        "/api/v1/auth/token",
        "/connexion",
        "/deconnexion",
        "/premiere-connexion",
        "/invitation",
    }
    writes = 0
    for route in iter_route_contexts(app.routes):
        if not (getattr(route, "methods", None) or set()) & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        writes += 1
        policy = body_policy(route.original_route, route.path or "")
        if route.path in public:
            assert policy.credentials is None, route.path
        else:
            assert policy.credentials in ("bearer", "session"), route.path
        assert policy.sign_in == (
            route.path in {"/api/v1/auth/token", "/connexion", "/premiere-connexion", "/invitation"}
        ), route.path
    assert writes > 30
