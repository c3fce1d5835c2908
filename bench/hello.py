"""The floor the HTTP path is measured against (issue 15): a hello-world FastAPI app answering
one JSON body of `BENCH_HELLO_BYTES` bytes, the size of a profile answer, the framework's
ordinary way (a dict returned from a route, serialised by FastAPI).

    BENCH_HELLO_BYTES=5400 uvicorn bench.hello:app --workers 2 --http httptools --loop uvloop
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

_SIZE = int(os.environ.get("BENCH_HELLO_BYTES", "5400"))
# {"message":"xxx…"} is 14 bytes of framing around the padding.
_BODY = {"message": "x" * max(0, _SIZE - 14)}

app = FastAPI()


@app.get("/hello/{item}")
def hello(item: str) -> dict[str, Any]:
    return _BODY
