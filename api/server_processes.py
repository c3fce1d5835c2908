"""`hoso serve --workers N`: N HTTP workers and the projector, each a process of its own,
started and watched by this one (issue 15, ADR 0007).

Why not uvicorn's own supervisor: it binds one socket and hands it to every worker, and uvloop
accepts every pending connection in one go, so the worker that wakes first takes a burst of
keep-alive connections while the other core idles (measured on 3 December: 190 writes/s with
one worker holding most of 8 connections, 395 with them split; `bench/http_path_notes.md`).
Here each worker binds its own socket with SO_REUSEPORT and the kernel spreads new connections
over the workers' sockets.

Why the projector in a process of its own when there are several workers: as a thread of the
worker that leads, it shares that worker's GIL with its requests, and its findings fold (some
hundreds of MB at 1M events) sits in that worker. Beside them, each worker stays small and
requests never wait behind the projector's Python. One worker (`make run`, a ward) keeps the
projector as its thread: one process is the point there.

A process that stops is started again; one that keeps stopping right after its start (a
broken configuration, a port taken) stops the whole service with its exit code, rather than
being restarted forever.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from types import FrameType

log = logging.getLogger("hoso.serve")

# A process that stops within this many seconds of its start counts as a failed start.
FAILED_START_SECONDS = 10.0
# So many failed starts in a row of one process stop the service.
FAILED_STARTS_TO_GIVE_UP = 3
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# How long the processes have to finish their requests and close on SIGTERM.
STOP_SECONDS = 15.0


class PortInUse(Exception):
    """The address is already bound by another process (perhaps another hoso)."""


def listening_socket(host: str, port: int, *, reuse_port: bool = True) -> socket.socket:
    """A TCP socket listening on host:port. With `reuse_port`, several processes each bind
    one and the kernel spreads connections over them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)  # uvicorn's backlog
    return sock


def ensure_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on: SO_REUSEPORT would otherwise let a second
    service (of the same user) share it silently and take half the connections."""
    try:
        listening_socket(host, port, reuse_port=False).close()
    except OSError as error:
        raise PortInUse(f"{host}:{port}: {error.strerror}") from error


def end_with_parent() -> None:
    """Have the kernel send this process SIGTERM when the supervisor dies (Linux), so a
    supervisor killed outright leaves no worker holding the port or the projector lock."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux: a supervisor killed outright leaves its children, as uvicorn's
    if os.getppid() != parent:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def http_worker(host: str, port: int, log_level: str, environ: dict[str, str]) -> None:
    """One HTTP worker (a spawned process): uvicorn with httptools and uvloop on its own
    SO_REUSEPORT socket, the app opened from the environment."""
    end_with_parent()
    os.environ.update(environ)
    import uvicorn

    config = uvicorn.Config("api.app:create_app", factory=True, log_level=log_level)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def projector_process(log_level: str) -> None:
    """The projector (a spawned process): `hoso project` itself, until SIGTERM."""
    end_with_parent()
    from api.cli import project

    project(log_level)


@dataclass
class _Slot:
    """One process the service keeps running, and how its starts went."""

    name: str
    target: Callable[..., None]
    args: tuple[object, ...]
    process: SpawnProcess | None = None
    started_at: float = 0.0
    failed_starts: int = 0

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # nothing of this process's state
        self.process = context.Process(target=self.target, args=self.args, name=self.name)
        self.process.start()
        self.started_at = time.monotonic()


@dataclass
class ServerProcesses:
    """The workers and (with several) the projector of one `hoso serve`."""

    host: str
    port: int
    workers: int
    log_level: str
    projector: bool
    _slots: list[_Slot] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM (0), or until a process keeps failing (its code)."""
        ensure_port_free(self.host, self.port)
        # The workers never run a projector of their own when one runs beside them.
        worker_env = {"HOSO_PROJECTOR": "external"} if self.projector else {}
        if self.projector:
            self._slots.append(_Slot("hoso-projector", projector_process, (self.log_level,)))
        self._slots += [_Slot(f"hoso-worker-{n}", http_worker,
                              (self.host, self.port, self.log_level, worker_env))
                        for n in range(1, self.workers + 1)]
        previous = {sig: signal.signal(sig, self._on_signal)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for slot in self._slots:
                slot.start()
            return self._watch()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stop.set()

    def _watch(self) -> int:
        while not self._stop.wait(0.5):
            for slot in self._slots:
                process = slot.process
                if process is None or process.is_alive():
                    continue
                code = process.exitcode if process.exitcode is not None else 1
                if time.monotonic() - slot.started_at < FAILED_START_SECONDS:
                    slot.failed_starts += 1
                else:
                    slot.failed_starts = 0
                if slot.failed_starts >= FAILED_STARTS_TO_GIVE_UP:
                    log.error("%s stopped %d times right after starting (last exit code %s): "
                              "stopping the service", slot.name, slot.failed_starts, code)
                    return code or 1
                log.warning("%s stopped (exit code %s): starting it again", slot.name, code)
                slot.start()
        return 0

    def _stop_all(self) -> None:
        running = [s.process for s in self._slots if s.process is not None]
        for process in running:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
