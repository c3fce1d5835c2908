"""How long after a write its finding is readable (issue 15's target: at most 1 s at 1M events),
through `hoso serve --workers 2` on a copy of a generated SQLite store.

    python -m bench.findings_visible [--size 100k] [--writes 20]

Each write is an appointment whose decision was signed long after the day it takes effect
(hồi tố: the `backdated_record` finding), of a cadre registered just before, in a unit made for
the bench. The time is from its 201 to the answer of a findings read sent right after, on a
fresh connection (either worker), that shows the finding: the read waits, bounded, until the
projector has judged the write (ADR 0009). The first findings read after start-up, and the
first write's finding (which waits for the new leader to fold the log up to the stored
findings), are timed apart; the rows `finding_steps` gained per event written are counted.
Prints JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.http_floor import Served, _env
from bench.http_load import serving_copy
from bench.stores import OUT, SIZES, ensure_store, sqlite_url
from bench.worker_memory import findings_current


def _call(base: str, token: str, method: str, path: str, body: Any = None
          ) -> tuple[int, Any]:
    """One request on a new connection."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    try:
        conn.request(method, "/api/v1" + path, body=None if body is None else json.dumps(body),
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        conn.close()


def _steps_and_head(path: Path) -> tuple[int, int]:
    """Rows of `finding_steps` and the log head, read beside the server (WAL: no lock)."""
    import sqlite3

    from infra.chain import CHAIN_TABLE

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        steps = conn.execute("SELECT count(*) FROM finding_steps").fetchone()[0]
        head = conn.execute(f"SELECT max(position) FROM {CHAIN_TABLE}").fetchone()[0]
        return int(steps), int(head or 0)
    finally:
        conn.close()


def visible(size: str, out: Path, *, writes: int) -> dict[str, Any]:
    from infra.access import AccessStore
    from infra.runtime import open_runtime

    store = ensure_store(size, SIZES[size], sqlite_url(f"sqlite_{SIZES[size]}", out), out=out)
    copy = serving_copy(store.settings, out)
    runtime = open_runtime(copy)  # builds the copy's read side first
    try:
        token = AccessStore.for_store(copy, runtime.engine, runtime.clock).create_token(
            name=f"bench-visible-{uuid.uuid4().hex[:12]}", role="admin")
    finally:
        runtime.close()
    result: dict[str, Any] = {"size": size, "events": store.events, "writes": writes,
                              "load_before": os.getloadavg()[0]}
    served = Served([sys.executable, "-m", "api", "serve", "--workers", "2", "--log-level",
                     "warning"], _env(HOSO_DATABASE_URL=copy.database_url), "/openapi.json")
    try:
        base = served.base
        result["first_findings"] = findings_current(base, token)

        def created(path: str, body: dict[str, Any]) -> dict[str, Any]:
            status, answer = _call(base, token, "POST", path, body)
            if status != 201:
                raise RuntimeError(f"{path}: {status} {answer}")
            return dict(answer)

        tag = uuid.uuid4().hex[:6].upper()
        unit = created("/units", {"code": f"BV-{tag}", "name": f"Đơn vị đo {tag}",
                                  "kind": "quan", "established_on": "2010-01-01"})["id"]
        created("/titles", {"code": f"bv_{tag.lower()}", "name": "Phó phòng (đo)",
                            "is_head": False, "management_tier": "quan_uy", "rank": 4})
        def appoint(i: int) -> str:
            cadre = str(created("/cadres", {"full_name": f"Trần Văn Đo {i}", "gender": "nam",
                                            "born_on": "1984-03-01"})["id"])
            created(f"/cadres/{cadre}/appointments", {
                "kind": "bo_nhiem", "unit_id": unit, "title_code": f"bv_{tag.lower()}",
                "effective_on": "2024-01-02",
                "decision": {"number": f"{i}/QĐ-ĐO", "signed_on": "2024-04-15",
                             "issuer": "UBND quận", "signer": "Người ký"}})
            return cadre

        def shown(cadre: str) -> bool:
            status, answer = _call(base, token, "GET",
                                   f"/findings?rule=backdated_record&unit_id={unit}")
            return status == 200 and cadre in {f["cadre_id"] for f in answer["findings"]}

        # The first write after start-up waits for the new leader to fold the log up to the
        # stored findings (a restart's cost, which grows with the log): timed apart, then the
        # writes in steady state.
        first = appoint(-1)
        began = time.perf_counter()
        while not shown(first):
            if time.perf_counter() - began > 1800:
                raise RuntimeError("the first write's finding never showed")
        result["first_write_visible_s"] = time.perf_counter() - began
        after, missed = [], 0
        steps_before, head_before = _steps_and_head(copy.sqlite_path)
        for i in range(writes):
            cadre = appoint(i)
            committed = time.perf_counter()
            if not shown(cadre):
                missed += 1
            after.append(time.perf_counter() - committed)
        steps_after, head_after = _steps_and_head(copy.sqlite_path)
        # A judged step per write at most (a write's events judged together): what the
        # findings' step table grows by under writes one at a time.
        result.update(events_written=head_after - head_before,
                      steps_added=steps_after - steps_before)
        after.sort()
        result.update(missed=missed, median_s=statistics.median(after), max_s=after[-1],
                      p90_s=after[int(0.9 * (len(after) - 1))], samples_s=after)
    finally:
        served.stop()
    for suffix in ("", "-wal", "-shm", ".audit.lock", ".projector.lock", ".schema.lock"):
        Path(f"{copy.sqlite_path}{suffix}").unlink(missing_ok=True)
    result["load_after"] = os.getloadavg()[0]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.findings_visible",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k")
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    print(json.dumps(visible(args.size, args.out, writes=args.writes), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
