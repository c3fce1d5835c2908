"""Where one profile read's time goes (issue 15): each stage of `GET /api/v1/cadres/{id}` timed
alone in this process (CPU time of this thread and wall time), then the whole request through
the ASGI app (FastAPI, its middleware and thread-pool hops; no socket), sequentially.

    python -m bench.read_breakdown [--size 10k] [--n 400]

Prints JSON: per stage the mean CPU and wall milliseconds per read. The store is a copy
(`bench.http_load.serving_copy`), so the audit rows written do not change the bench store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.http_load import serving_copy
from bench.stores import OUT, SIZES, ensure_store, sqlite_url


def _timed(stages: dict[str, list[float]], name: str, fn: Callable[[], Any]) -> Any:
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    stages.setdefault(name, [0.0, 0.0])
    stages[name][0] += time.process_time() - cpu
    stages[name][1] += time.perf_counter() - wall
    return out


def breakdown(settings_path: Path, n: int) -> dict[str, Any]:
    from api.app import create_app
    from api.routes.cadres import profile_body, with_known_at
    from api.security import Principal, check_read_cadre, record_read
    from infra.access import AccessStore
    from infra.runtime import open_runtime
    from infra.settings import Settings

    settings = Settings(database_url=f"sqlite:///{settings_path}")
    runtime = open_runtime(settings)
    app = create_app(settings, runtime)
    access: AccessStore = app.state.access
    rm = runtime.read_model
    ids = [r["id"] for r in rm.cadres(rm.moment(), limit=n)]
    token = access.create_token(name=f"bench-breakdown-{uuid.uuid4().hex[:8]}", role="inspector")
    stages: dict[str, list[float]] = {}
    def read_one(cid: Any) -> None:
        view = _timed(stages, "request view (log head, epochs, generation: 1 query)",
                      runtime.request_view)
        holder = _timed(stages, "token (kept per worker)",
                        lambda: access.kept(token, view.token_epoch)
                        or access.resolve(token, view.token_epoch))
        p = Principal(holder.name, holder.role, holder.unit_id, holder.cadre_id)
        m = _timed(stages, "moment (read side position from memory)",
                   lambda: rm.moment(applied=runtime.read_side_current(head=view.head),
                                     generation=view.generation))
        _timed(stages, "scope check", lambda: check_read_cadre(p, runtime, cid, m))
        profile = _timed(stages, "profile queries + building the document",
                         lambda: rm.profile(cid, m))
        _timed(stages, "read-audit row (durable commit)",
               lambda: record_read(access, p, cid, "profile", m))
        _timed(stages, "response: pydantic model + JSON bytes",
               lambda: with_known_at(profile_body(profile, m), m.known_at))
        _timed(stages, "kept answer (one query, when a reader built it at this position)",
               lambda: rm.kept_profile(cid, m))

    for cid in ids:
        read_one(cid)
    per_stage = {k: {"cpu_ms": v[0] * 1000 / len(ids), "wall_ms": v[1] * 1000 / len(ids)}
                 for k, v in stages.items()}

    async def whole() -> tuple[float, float, int]:
        sent: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                sent.append(message["status"])

        cpu, wall = time.process_time(), time.perf_counter()
        for cid in ids:
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                     "method": "GET", "scheme": "http", "path": f"/api/v1/cadres/{cid}",
                     "raw_path": f"/api/v1/cadres/{cid}".encode(), "query_string": b"",
                     "root_path": "", "client": ("127.0.0.1", 5000),
                     "server": ("127.0.0.1", 8000),
                     "headers": [(b"host", b"127.0.0.1"),
                                 (b"authorization", f"Bearer {token}".encode())]}
            await app(scope, receive, send)
        return time.process_time() - cpu, time.perf_counter() - wall, sum(
            1 for s in sent if s != 200)

    cpu, wall, bad = asyncio.run(whole())
    runtime.close()
    staged = sum(v["cpu_ms"] for v in per_stage.values())
    request_cpu = cpu * 1000 / len(ids)
    return {"reads": len(ids), "stages": per_stage, "stages_cpu_ms": staged,
            "asgi_request": {"cpu_ms": request_cpu, "wall_ms": wall * 1000 / len(ids),
                             "non_200": bad},
            "fastapi_and_asgi_cpu_ms": request_cpu - staged}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.read_breakdown", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="10k")
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    profile = SIZES[args.size]
    store = ensure_store(args.size, profile, sqlite_url(f"sqlite_{profile}", args.out),
                         out=args.out)
    copy = serving_copy(store.settings, args.out)
    print(json.dumps(breakdown(copy.sqlite_path, args.n), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
