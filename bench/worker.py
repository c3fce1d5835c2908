"""Subprocess entry points whose peak memory is measured on their own."""

from __future__ import annotations

import json
import sys

from bench.measure import rebuild_here
from infra.settings import Settings


def main(argv: list[str]) -> None:
    command, url = argv[0], argv[1]
    if command != "rebuild":
        raise SystemExit(f"unknown command {command!r}")
    workers = int(argv[2]) if len(argv) > 2 else None  # None: the rebuild decides
    print(json.dumps(rebuild_here(Settings(database_url=url), workers=workers)))


if __name__ == "__main__":
    main(sys.argv[1:])
