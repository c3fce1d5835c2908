"""Two workers on PostgreSQL behave as one service (contract v1.1, "Requests").

Every request here goes on a fresh connection, so the kernel spreads them over both workers:
web sign-in holds on every page load, a read after a 201 reflects it, an Idempotency-Key replay
appends once whichever worker answers, and sign-out or `hoso token revoke` ends a web session on
every worker at once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.settings import Settings
from tests.e2e.conftest import (
    ADMIN_TOKEN,
    API,
    ROOT,
    Server,
    created,
    ok,
    running_server,
    server_env,
)

LOADS = 40


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.conftest import fresh_store

    with fresh_store("postgres", tmp_path_factory.mktemp("workers")) as settings, \
            running_server(settings, workers=2) as server:
        yield server


def fresh(server: Server, **kwargs: Any) -> httpx.Client:
    """A client on its own connection (no keep-alive): any worker may take it."""
    return httpx.Client(base_url=server.base_url, timeout=30,
                        limits=httpx.Limits(max_keepalive_connections=0), **kwargs)


def try_sign_in(server: Server, token: str) -> httpx.Response:
    """The sign-in form fetched and posted, as a browser does (two fresh connections)."""
    with fresh(server) as client:
        form = client.get("/dang-nhap")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        return client.post("/dang-nhap", data={"csrf": csrf.group(1), "token": token},
                           follow_redirects=False)


def sign_in(server: Server, token: str) -> str:
    answer = try_sign_in(server, token)
    assert answer.status_code == 303, answer.text
    cookie = answer.cookies.get("hoso_phien")
    assert cookie is not None
    return cookie


def page_loads(server: Server, cookie: str, n: int, path: str = "/kiem-tra") -> list[int]:
    """Status of `n` page loads, each on a new connection, with the session cookie."""
    statuses = []
    for _ in range(n):
        with fresh(server, cookies={"hoso_phien": cookie}) as client:
            statuses.append(client.get(path, follow_redirects=False).status_code)
    return statuses


def head(server: Server) -> int:
    with server.client() as client:
        position: int = ok(client.get("/audit/verify"))["head"]["position"]
    return position


def cadre(name: str) -> dict[str, str]:
    return {"full_name": name, "gender": "nu", "born_on": "1985-03-04", "ethnicity": "Kinh"}


def test_web_sign_in_holds_on_every_worker(two_workers: Server) -> None:
    cookie = sign_in(two_workers, ADMIN_TOKEN)
    statuses = page_loads(two_workers, cookie, LOADS)
    assert statuses == [200] * LOADS


def test_a_read_after_a_201_reflects_it_on_every_worker(two_workers: Server) -> None:
    missed = []
    for i in range(20):
        with fresh(two_workers, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
            made = created(client.post(API + "/cadres", json=cadre(f"Đọc Ngay Sau Ghi {i}")))
        with fresh(two_workers, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
            got = client.get(API + f"/cadres/{made['id']}")
        if got.status_code != 200 or got.json()["position"] < made["position"]:
            missed.append((i, got.status_code))
    assert missed == []


def test_an_idempotency_key_replay_appends_once_across_workers(two_workers: Server) -> None:
    # A store's first registration also marks its namesakes' index built: have one before.
    with two_workers.client() as client:
        created(client.post("/cadres", json=cadre("Đăng Ký Trước")))
    before = head(two_workers)
    answers: list[tuple[int, Any]] = []

    def send() -> None:
        with fresh(two_workers, headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                         "Idempotency-Key": "workers-1"}) as client:
            r = client.post(API + "/cadres", json=cadre("Gửi Lại Nhiều Lần"))
            answers.append((r.status_code, r.json()))

    # Concurrent first tries (they wait for one another), then late retries (replays).
    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(6):
        send()
    assert {status for status, _ in answers} == {201}, answers
    assert len({body["id"] for _, body in answers}) == 1
    once = head(two_workers)
    assert once > before
    with fresh(two_workers, headers={"Authorization": f"Bearer {ADMIN_TOKEN}",
                                     "Idempotency-Key": "workers-1"}) as client:
        other = client.post(API + "/cadres", json=cadre("Một Người Khác"))
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    # Exactly one registration's events: one more without a key, of someone with no namesake
    # on record either (a namesake joins a group instead of opening one), moves the head as far.
    with two_workers.client() as client:
        created(client.post("/cadres", json=cadre("Gửi Đúng Một Lần")))
    assert head(two_workers) - once == once - before


def revoke(settings: Settings, name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "api", "token", "revoke", name], cwd=ROOT,
                          env=server_env(settings), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_revoking_the_token_ends_the_web_session_everywhere(two_workers: Server) -> None:
    token = two_workers.token(name="Thanh tra phiên", role="inspector")
    cookie = sign_in(two_workers, token)
    assert page_loads(two_workers, cookie, 10) == [200] * 10
    revoke(two_workers.settings, "Thanh tra phiên")
    assert page_loads(two_workers, cookie, 10) == [303] * 10
    # Signing in again with the revoked token is refused.
    assert try_sign_in(two_workers, token).status_code == 400


def test_sign_out_ends_the_session_on_every_worker(two_workers: Server) -> None:
    cookie = sign_in(two_workers, ADMIN_TOKEN)
    assert page_loads(two_workers, cookie, 6) == [200] * 6
    with fresh(two_workers, cookies={"hoso_phien": cookie}) as client:
        assert client.post("/dang-xuat", follow_redirects=False).status_code == 303
    assert page_loads(two_workers, cookie, 10) == [303] * 10
