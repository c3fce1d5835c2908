"""Several workers start together on an empty store: every one of them comes up.

Without the schema lock PostgreSQL fails all but one of them in CREATE TYPE / CREATE TABLE
("duplicate key … pg_type_typname_nsp_index"), as four `hoso serve` workers did.
"""

from __future__ import annotations

import threading

import pytest

from infra.access import AccessStore
from infra.checkpoints import CheckpointStore
from infra.importing import import_history
from infra.runtime import open_runtime
from infra.settings import Settings

WORKERS = 4


@pytest.mark.empty_store
def test_four_workers_open_one_empty_store_together(store_settings: Settings) -> None:
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []
    heads: list[int] = []

    def worker() -> None:
        start.wait()
        try:
            runtime = open_runtime(store_settings)
            try:
                AccessStore.for_store(store_settings, runtime.engine, runtime.clock)
                CheckpointStore(runtime.engine)
                import_history(runtime.engine)
                heads.append(runtime.catch_up())
            finally:
                runtime.close()
        except BaseException as error:  # collected: the test names every failure
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert heads == [0] * WORKERS
