"""Requests an attacker sends (issue 13): oversize bodies, broken JSON, names that break
headers, failures nobody foresaw. Each is answered with a problem that names what is wrong,
over a real server."""

from __future__ import annotations

import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

import httpx
import pytest

from infra.settings import Settings
from tests.e2e.conftest import ADMIN_TOKEN, API, Server, created, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("requests") / "hoso.sqlite3"
    with running_server(Settings(database_url=f"sqlite:///{path}")) as s:
        yield s


@contextmanager
def signed_in(server: Server) -> Iterator[httpx.Client]:
    """A browser-like client signed in to the web UI as the admin."""
    with httpx.Client(base_url=server.base_url, follow_redirects=False) as web:
        form = web.get("/dang-nhap")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        web.post("/dang-nhap", data={"csrf": csrf.group(1), "token": ADMIN_TOKEN})
        yield web


def _raw(server: Server, head: bytes) -> tuple[bytes, float]:
    """Send request headers alone (no body) and read the answer; (answer, seconds)."""
    host, port = server.base_url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer, time.monotonic() - started


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_sent(
        server: Server) -> None:
    # 300 MB announced, nothing sent, no token: the answer comes without waiting for the body.
    head = (b"POST /api/v1/cadres HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 314572800\r\n\r\n")
    answer, seconds = _raw(server, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer and b'"body_too_large"' in answer
    assert seconds < 5
    head = (b"POST /api/v1/imports HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 524288000\r\n\r\n")
    answer, _ = _raw(server, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(server: Server) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(40):  # 40 MB, chunked: no Content-Length to refuse up front
            sent += 2**20
            yield b" " * 2**20

    try:
        answer = httpx.post(server.base_url + API + "/units", content=chunks(), timeout=30,
                            headers={"Content-Type": "application/json"})
    except httpx.HTTPError:  # the server may close the connection as it answers
        return
    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"


def test_every_api_answer_says_nosniff(server: Server) -> None:
    admin = server.client()
    for response in (admin.get("/units"), admin.get("/cadres/not-a-uuid"),
                     server.client(None).get("/units")):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_broken_json_and_invalid_utf8_get_a_problem_naming_the_body(server: Server) -> None:
    admin = server.client()
    headers = {"Content-Type": "application/json"}
    broken = admin.post("/cadres", content=b'{"full_name": "Nguy', headers=headers)
    assert broken.status_code == 422
    body = broken.json()
    assert body["code"] == "malformed_json" and body["field"] == "body"
    assert body["errors"][0]["field"] == "body" and "character" in body["detail"]
    latin = admin.post("/cadres", content='{"full_name": "Nguyên"}'.encode("latin-1"),
                       headers=headers)
    assert latin.status_code == 422
    body = latin.json()
    assert body["code"] == "invalid_utf8" and body["errors"][0]["field"] == "body"
    # Nothing was appended by either.
    assert admin.get("/audit/verify").json()["checked"] == 0


@pytest.mark.parametrize("name", ["Nguyễn Văn “Tí”", "Trần Thị Hoa 🌸", 'Lê "Bé" Ba'])
def test_a_cv_of_any_name_downloads_with_its_exact_name(server: Server, name: str) -> None:
    admin = server.client()
    cadre = created(admin.post("/cadres", json={"full_name": name, "gender": "nam",
                                                "born_on": "1980-01-01"}))["id"]
    for response in (admin.get(f"/cadres/{cadre}/cv"),):
        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        plain = re.search(r'filename="([^"]*)"', disposition)
        assert plain is not None and plain.group(1).isascii()
        exact = re.search(r"filename\*=UTF-8''(\S+)", disposition)
        assert exact is not None and unquote(exact.group(1)).endswith(".docx")
    with signed_in(server) as web:
        shown = web.get(f"/can-bo/{cadre}/so-yeu-ly-lich")
        assert shown.status_code == 200
        assert "filename*=UTF-8''" in shown.headers["content-disposition"]


def test_an_unexpected_failure_is_a_problem_with_an_error_id_in_the_log(
        server: Server) -> None:
    admin = server.client()
    cadre = created(admin.post("/cadres", json={"full_name": "Đặng Văn Lỗi", "gender": "nam",
                                                "born_on": "1980-01-01"}))["id"]
    # Damage the read side underneath the service: a birth date no longer parses.
    # A write answers after its commit; a read waits for the projector, so the row is there.
    assert admin.get(f"/cadres/{cadre}").status_code == 200
    path = server.settings.sqlite_path
    with sqlite3.connect(path) as db:
        generation = db.execute("SELECT generation FROM rm_meta WHERE state = 'active'"
                                ).fetchone()[0]
        table = f"rm{generation}_cadres"  # the generation answering queries
        db.execute(f"UPDATE {table} SET born_on = 'hỏng' WHERE full_name = 'Đặng Văn Lỗi'")
        # And the answer the read above kept (projections/profile_documents.py), so that the
        # next read builds the profile from the damaged row.
        db.execute("DELETE FROM rm_profile_documents")
    try:
        failed = admin.get(f"/cadres/{cadre}")
        assert failed.status_code == 500
        assert failed.headers["content-type"].startswith("application/problem+json")
        body = failed.json()
        assert body["code"] == "internal_error" and re.fullmatch(r"[0-9a-f]{12}",
                                                                 body["error_id"])
        logged = (server.log_path.read_text(errors="replace")
                  if server.log_path.exists() else "")
        assert body["error_id"] in logged
        with signed_in(server) as web:
            page = web.get(f"/can-bo/{cadre}")
            assert page.status_code == 500
            assert page.headers["content-type"].startswith("text/html")
            assert "mã lỗi" in page.text
    finally:
        with sqlite3.connect(path) as db:
            db.execute(f"UPDATE {table} SET born_on = '1980-01-01' WHERE full_name = "
                       "'Đặng Văn Lỗi'")
