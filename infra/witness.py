"""A witness: another body that keeps the last checkpoint it saw and cosigns only a log that
extends it (ADR 0006; the C2SP tlog-witness idea, over hoso's own HTTP API).

Each round: fetch the service's checkpoint, verify the service's signature, and compare with
the last checkpoint this witness cosigned (kept in its state file). A smaller tree is a
rolled-back log, the same size with another root a forked log, a larger one must come with a
consistency proof that holds. Refused checkpoints are kept beside the state file as evidence
(two signed, inconsistent checkpoints prove the log misbehaved) and the state is not moved.
Accepted ones are cosigned (C2SP cosignature/v1), sent back to the service, which shows them,
and become the new state. The cosignature's time is the instant the service answered with the
checkpoint (its `known_at`): the witness itself reads no clock.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.notes import Checkpoint, SignerKey, VerifierKey, add_signature, cosign
from infra.verification import (
    VerificationFailed,
    check_consistency,
    check_same_log,
    checkpoint_of,
)

API = "/api/v1"


@dataclass(frozen=True)
class Outcome:
    cosigned: bool
    checkpoint: Checkpoint | None
    previous_size: int | None
    message: str
    evidence: Path | None = None


class ServiceError(Exception):
    """The service could not be asked (network, HTTP error)."""


class HttpService:
    """The service's API with a bearer token, over the standard library's HTTP client."""

    def __init__(self, base_url: str, token: str, timeout: float = 30) -> None:
        self.base = base_url.rstrip("/")
        self.token, self.timeout = token, timeout

    def _call(self, method: str, path: str, params: Mapping[str, Any] | None = None,
              body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        url = self.base + API + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                parsed: dict[str, Any] = json.loads(answer.read())
                return parsed
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:500]
            raise ServiceError(f"{method} {path}: HTTP {error.code} {detail}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise ServiceError(f"{method} {path}: {error}") from None

    def checkpoint(self) -> tuple[str, datetime]:
        """The checkpoint note, and the instant the service answered (`known_at`)."""
        answer = self._call("GET", "/audit/checkpoint")
        return str(answer["note"]), datetime.fromisoformat(str(answer["known_at"]))

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        return self._call("GET", "/audit/proofs/consistency", {"from": old, "to": new})

    def send_cosignature(self, note: str, witness_key: str) -> dict[str, Any]:
        return self._call("POST", "/audit/checkpoint/cosignatures",
                          body={"note": note, "witness_key": witness_key})


@dataclass
class Witness:
    log_key: VerifierKey
    key: SignerKey
    state: Path

    def last(self) -> tuple[Checkpoint, str] | None:
        if not self.state.exists():
            return None
        note = self.state.read_text(encoding="utf-8")
        return checkpoint_of(note, self.log_key, "the witness's state"), note

    def _keep(self, note: str) -> None:
        self.state.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state.with_name(self.state.name + ".new")
        temporary.write_text(note, encoding="utf-8")
        os.replace(temporary, self.state)  # never a half-written state

    def _evidence(self, note: str, size: int) -> Path:
        n = 1
        while True:
            path = self.state.with_name(f"{self.state.name}.refused-{size}-{n}.note")
            if not path.exists():
                path.write_text(note, encoding="utf-8")
                return path
            n += 1

    def observe(self, note: str, proof: Callable[[int, int], Mapping[str, Any]],
                seen_at: datetime) -> tuple[Outcome, str | None]:
        """Judge one checkpoint note seen at `seen_at`; the cosigned note when accepted."""
        try:
            new = checkpoint_of(note, self.log_key)
        except VerificationFailed as error:
            return Outcome(False, None, None, error.message, self._evidence(note, 0)), None
        previous = self.last()
        old_size = previous[0].size if previous else None
        try:
            if previous is not None:
                old = previous[0]
                check_same_log(old, new)
                if new.size > old.size:
                    check_consistency(old, new, proof(old.size, new.size))
        except VerificationFailed as error:
            return Outcome(False, new, old_size, error.message,
                           self._evidence(note, new.size)), None
        signature = cosign(new.text(), self.key, int(seen_at.timestamp()))
        cosigned = add_signature(note, signature)
        self._keep(note)
        message = ("first checkpoint seen: trusted from now on" if previous is None else
                   f"consistent with the last one cosigned ({old_size} entries)")
        return Outcome(True, new, old_size, message), cosigned

    def round(self, service: HttpService) -> Outcome:
        note, answered = service.checkpoint()
        outcome, cosigned = self.observe(note, service.consistency, answered)
        if cosigned is not None:
            service.send_cosignature(cosigned, self.key.verifier.text())
        return outcome
