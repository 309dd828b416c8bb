"""Web app settings, read from the environment (``MYOSCOPE_*``) by pydantic-settings.

The database URL is the registry's (``MYOSCOPE_DATABASE_URL``, SQLite file by default). The
placeholder secret key is refused outside development, so a deployment cannot forget to set one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-development-only"


class WebSettings(BaseSettings):
    """Everything the web app reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="MYOSCOPE_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str | None = Field(default=None, description="registry URL; default ./myoscope.sqlite")
    secret_key: str = PLACEHOLDER_SECRET
    #: send cookies only over https (set true behind TLS)
    cookie_secure: bool = False
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    #: failed sign-ins allowed per user name or address within the window before refusing
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    #: argon2 cost (the defaults are pwdlib's recommended ones; tests lower them)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)
    page_size: int = Field(default=50, ge=1, le=500)
    #: threads per worker process for blocking work (sync routes and dependencies, the pathway,
    #: database calls). The pathway is CPU-bound Python, so threads beyond a few only fight over
    #: the interpreter lock, which does not hand over in arrival order: with anyio's default of
    #: 40, a few calls wait seconds while others pass (docs/api.md, Speed). A few threads still
    #: let database waits overlap.
    threads: int = Field(default=4, ge=1, le=40)
    #: database connections per worker: at least one per thread (``threads``)
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    #: where cohort uploads and their outputs are kept (default: a folder in the system's temp dir)
    work_dir: str | None = None
    cohort_max_megabytes: int = Field(default=200, ge=1)
    #: patient-page results and fragments kept per worker (keyed by the immutable assessment row;
    #: 0 turns the cache off)
    page_cache_size: int = Field(default=256, ge=0)
    #: the largest FHIR or CDS Hooks request body accepted (bytes)
    fhir_max_bytes: int = Field(default=5_000_000, ge=1000)
    #: the app's public address (``https://myoscope.example.org``): card links and the CDS Hooks
    #: JWT audience are built from it; unset, the request's own base URL is used
    public_base_url: str | None = None
    #: a SMART on FHIR launch URL for the app (cards link to it when set)
    smart_launch_url: str | None = None
    #: CDS clients allowed to call the hooks, as JSON: ``[{"iss": ..., "jwks": {...}}]`` or with
    #: ``"jwks_url"`` instead of ``"jwks"`` (docs/cds-hooks.md); none configured, every call is 401
    cds_clients: str = "[]"
    #: seconds the FHIR server may take per request when the hook fetches what was not prefetched
    cds_fhir_timeout: float = Field(default=5.0, gt=0, le=60)
    #: migrate the database to the latest schema at start-up (the demo and tests do)
    migrate_on_start: bool = False
    #: at start-up, move every object alive then (modules, the knowledge base, templates) out of the
    #: cyclic garbage collector's sight (``gc.freeze``): its full collections then no longer walk
    #: some 200,000 long-lived objects, each a pause of about 100 ms for every request in flight
    #: (benchmarks/web.py's p99). Off in the test suite, which builds hundreds of apps in one process.
    gc_freeze: bool = True

    @field_validator("cds_clients")
    @classmethod
    def _clients_parse(cls, value: str) -> str:
        """A malformed client list fails at start-up, not at the first hook call."""
        from ..cdshooks.security import parse_clients

        parse_clients(value)
        return value

    @model_validator(mode="after")
    def _real_secret_outside_development(self) -> WebSettings:
        if self.environment != "development" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("MYOSCOPE_SECRET_KEY must be set outside development")
        if len(self.secret_key) < 16:
            raise ValueError("MYOSCOPE_SECRET_KEY must be at least 16 characters")
        return self
