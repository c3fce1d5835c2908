"""Process settings: the only place that reads the environment (HOSO_* variables and CI)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.workbook_limits import WorkbookLimits

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOSO_", populate_by_name=True, extra="ignore")

    database_url: str = "sqlite:///./data/hoso.sqlite3"
    admin_token: str | None = None
    # Base64 AES key (16/24/32 bytes) enabling whole-log encryption at rest.
    cipher_key: str | None = None
    future_horizon_days: int = 366
    # Request bodies above this are refused (413) before they are read whole or parsed.
    max_body_mb: float = 20
    # Failed authentications one client address may make per minute before it must wait.
    auth_failures_per_minute: int = 10
    # Bounds of one spreadsheet import (zip and XML bombs; infra/workbook_limits.py): the
    # inflated size, the rows per sheet, the cells per row, the seconds spent reading.
    import_max_uncompressed_mb: float = Field(default=100, gt=0)
    import_max_rows: int = Field(default=50_000, ge=1)
    import_max_columns: int = Field(default=200, ge=1)
    import_max_seconds: float = Field(default=60, gt=0)
    # Import dry runs one token may make per minute: a dry run answers about the whole file,
    # so unbounded it would let a caller probe the record at speed.
    import_checks_per_minute: int = Field(default=20, ge=1)
    # Public hồ sơ công vụ reads (no token) one client address may make per minute.
    public_reads_per_minute: int = Field(default=60, ge=1)
    # The monthly report's period (seed 004 IV.1, due before the 28th): it starts on this day
    # of a month and ends the day before it next month; 1 is the calendar month. 15 follows
    # NĐ 09/2019/NĐ-CP Điều 12 [verify]; domain/reporting_periods.py.
    reporting_period_start_day: int = Field(default=15, ge=1, le=28)
    # Start the process's clock at this instant (ISO 8601 with offset) and let it tick from there:
    # for tests, training rooms and demos of a chosen day. Unset in production: the system clock.
    clock_at: datetime | None = None
    # The host's monotonic reading (`infra.clock.anchor_reading`) at which the clock showed
    # `clock_at`, so that several processes on this host pinned together agree
    # (HOSO_CLOCK_ANCHOR; default: when each starts).
    clock_anchor: float | None = None
    # The Ed25519 private key file (`hoso keys create`) that signs checkpoints and report
    # certificates; kept outside the database. Unset: the service signs nothing.
    signing_key: Path | None = None
    # A checkpoint is signed once this many entries were appended since the last one, or
    # this many minutes after it if anything was appended at all.
    checkpoint_every_events: int = Field(default=1000, ge=1)
    checkpoint_every_minutes: float = Field(default=10.0, gt=0)
    # Whether `hoso serve` runs the projector (the one runner that applies the log to the read
    # side, ADR 0007) in a thread of each worker, one of them leading: `embedded`; or leaves it
    # to a `hoso project` process of its own: `external`.
    projector: Literal["embedded", "external"] = "embedded"
    # How long a read waits for the read side to reach the log head as of its start before it
    # answers 503 read_side_behind (with Retry-After).
    read_wait_seconds: float = Field(default=5.0, ge=0)
    # How often an idle projector looks at the log (on PostgreSQL it is also woken by the
    # log's notifications), and how often a waiting one tries to take the lead.
    projector_poll_seconds: float = Field(default=0.05, gt=0)
    projector_takeover_seconds: float = Field(default=1.0, gt=0)
    # The Word reports' letterhead (api/report_letter.py). The issuing body per unit code
    # (HOSO_REPORT_ISSUERS='{"P-BS-DU": "Ban Xây dựng Đảng"}', JSON), else one for every report
    # (HOSO_REPORT_ISSUER), else by level and date: Ban Xây dựng Đảng for wards from 1/7/2025,
    # Ban Tổ chức otherwise. The place on the date line (HOSO_REPORT_PLACE; unset: dotted for
    # the clerk) and the addressees under "Nơi nhận" (HOSO_REPORT_RECIPIENTS, a JSON list).
    report_issuers: dict[str, str] = Field(default_factory=dict)
    report_issuer: str | None = None
    report_place: str | None = None
    report_recipients: list[str] = Field(default_factory=lambda: [
        "Thường trực cấp ủy (để báo cáo)", "Lưu Văn phòng"])
    # CI runners set CI=true without our prefix; there a missing PostgreSQL is a failure.
    ci: bool = Field(default=False, validation_alias=AliasChoices("CI", "ci"))
    test_postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"

    @field_validator("clock_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("HOSO_CLOCK_AT needs a UTC offset, e.g. 2026-06-15T09:00:00+07:00")
        return value

    @field_validator("ci", mode="before")
    @classmethod
    def _truthy(cls, value: object) -> bool:
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")

    @property
    def workbook_limits(self) -> WorkbookLimits:
        return WorkbookLimits(max_uncompressed_bytes=int(self.import_max_uncompressed_mb * 2**20),
                              max_rows=self.import_max_rows, max_columns=self.import_max_columns,
                              max_seconds=self.import_max_seconds)

    @property
    def is_postgres(self) -> bool:
        return urlsplit(self.database_url).scheme in _POSTGRES_SCHEMES

    @property
    def sqlite_path(self) -> Path:
        """File of the SQLite database named by `database_url`; its directory is created."""
        if self.is_postgres:
            raise ValueError(f"not an SQLite URL: {self.database_url}")
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            raise ValueError(f"expected sqlite:///<path>, got {self.database_url}")
        raw = self.database_url[len(prefix) :]
        if not raw or raw == ":memory:":
            raise ValueError("in-memory SQLite is not supported; use a file path")
        path = Path(raw)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
