"""Settings shared by every service; each service reads them under its own prefix (TB_INTAKE_...)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from services.runtime.secrets import SecretFiles

ServiceName = Literal["intake", "routing", "approval", "delivery", "ledger"]
SERVICES: tuple[ServiceName, ...] = ("intake", "routing", "approval", "delivery", "ledger")


class ServiceSettings(BaseSettings):
    """Where a service runs and what it talks to. Build with `for_service()`, never at import."""

    model_config = SettingsConfigDict(extra="ignore")

    site: str = Field(pattern=r"^\d{6}$", description="division code of this site")
    nats_url: str = Field(default="nats://127.0.0.1:4222", description="this site's NATS "
                          "server (`tongban serve --nats-url` sets it)")
    nats_user: str | None = Field(default=None, description="the service's own NATS user, "
                                  "`<site>-<service>`")
    nats_password: SecretStr | None = Field(default=None, description="that user's password "
                                            "(`tongban deploy render` makes them)")
    topology: Literal["single", "hub"] = Field(default="single", description="single: every "
                                               "site's streams on one server; hub: this site's "
                                               "own server, joined to the others through a hub")
    data_dir: Path = Field(default=Path("data"), description="SQLite stores and the vault "
                           "under `<data_dir>/<site>`; temporary files (`--data-dir` sets it)")
    store: Literal["sqlite", "postgres"] = Field(default="sqlite", description="where events "
                                                 "and read tables are kept")
    postgres_host: str = Field(default="127.0.0.1", description="PostgreSQL server, with "
                               "`store=postgres`")
    postgres_port: int = Field(default=5432, description="its port")
    postgres_dbname: str = Field(default="tongban", description="the database; every service "
                                 "of every site may share it (tables are named "
                                 "`<service>_<site>_…`)")
    postgres_user: str = Field(default="tongban", description="the role the service connects as")
    postgres_password: SecretStr = Field(default=SecretStr(""), description="that role's "
                                         "password")
    http_host: str = Field(default="127.0.0.1", description="the address the HTTP API listens "
                           "on (0.0.0.0 inside a container)")
    http_port: int = Field(default=8000, description="its port (`tongban serve --port` sets "
                           "it)")
    relay_poll_seconds: float = Field(default=0.05, description="how often the outbox relay "
                                      "looks for newly stored events")
    retry_initial_seconds: float = Field(default=0.05, description="a consumer's first wait "
                                         "before retrying a failing message, doubled each time")
    retry_max_seconds: float = Field(default=5.0, description="the longest wait between "
                                     "retries")
    retry_attempts: int = Field(default=8, description="failures of one message before it "
                                "goes to the dead letters (an outage is waited out instead)")
    consumer_stall_seconds: float = Field(default=60.0, gt=0, description="a consumer that "
                                          "holds one message this long without finishing it "
                                          "is reported stalled by /readyz (a blocked store)")
    catalogue_dir: Path | None = Field(default=None, description="sites.json and matters.json; "
                                       "the packaged ones when unset")
    calendar_holidays: list[date] = Field(default_factory=list, description="this site's extra "
                                          "days off, e.g. a local holiday or next year's")
    calendar_working_days: list[date] = Field(default_factory=list, description="make-up "
                                              "working days the package does not know")
    calendar_configured_years: list[int] = Field(default_factory=list, description="years "
                                                 "configured in full: their dates are final")
    deadline_lead_days: int = Field(default=2, ge=0, description="working days before the due "
                                    "date at which DeadlineApproaching is raised")
    handover_threshold_days: int = Field(default=3, ge=1, description="working days a parcel "
                                         "may travel before it is flagged")
    signing_key_id: str | None = Field(default=None, description="the site key this service "
                                       "seals with; by default the directory's newest valid one")
    signing_key_seed: SecretStr | None = Field(default=None, description="the Ed25519 private "
                                               "key (32-byte seed, base64); without it a "
                                               "development key, which anyone can derive")
    auth_issuer: str | None = Field(default=None, description="the identity provider staff "
                                    "sign in with (OpenID Connect issuer URL, e.g. the "
                                    "province's; `tongban up` runs a local one); its published "
                                    "keys verify every staff token. Unset: every staff route "
                                    "refuses (401)")
    auth_leeway_seconds: float = Field(default=30.0, ge=0, le=300, description="clock skew "
                                       "allowed between the issuer and this service")
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024, description="the largest "
                                "request body a route takes (413 above it); an upload has "
                                "files_max_bytes instead")
    event_max_bytes: int = Field(default=512 * 1024, ge=1024, description="the largest event "
                                 "a command may store, encoded; kept well below NATS's "
                                 "max_payload (1 MB by default), which must also hold its seal")
    loaded_cases_max_events: int = Field(default=10_000, ge=0, description="cases kept loaded "
                                         "in memory, counted by the events folded into them, "
                                         "so a command folds only the events stored since; "
                                         "0: every load folds a case from its first event; "
                                         "10,000 events: some 20 MB, the cases a hall works on "
                                         "at once many times over")
    files_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1, description="the largest "
                                 "scan or electronic file the window takes")
    files_allowed_types: list[str] = Field(default_factory=lambda: [
        "application/pdf", "image/jpeg", "image/png", "application/ofd"], description="the "
        "types of file the window takes, recognised by their content")
    files_retention_days: int = Field(default=3650, ge=1, description="days a party keeps a "
                                      "case's files after the case ended, then removes them")
    clock_file: Path | None = Field(default=None, description="read the current time from this "
                                    "file (ISO 8601) instead of the system clock: for drills "
                                    "and tests; leave unset in production")
    clock_shift_seconds: float = Field(default=0.0, description="run this many seconds ahead of "
                                       "(or behind) the system clock, the time still running: "
                                       "for drills and tests, the same for every service; 0 in "
                                       "production")
    rating_window_days: int = Field(default=5, ge=1, description="working days after a service "
                                    "in which it may be rated (Shandong: 5)")
    personal_data_key: SecretStr | None = Field(default=None, description="the site's master "
                                                "key for personal data (32 bytes, base64), the "
                                                "same for all its services: it wraps the data "
                                                "keys that seal applicants' fields and derives "
                                                "the blind index of ID numbers; without it a "
                                                "development key, which anyone can derive")
    query_code_seed: SecretStr | None = Field(default=None, description="the Ed25519 seed "
                                              "(base64) query codes are derived from; by "
                                              "default the signing key's. Keep the old seed "
                                              "here when the signing key rolls over, or the "
                                              "codes on receipts already printed change")
    applicant_misses_per_case: int = Field(default=5, ge=1, description="wrong answers "
                                           "(progress query, rating) one case number takes in "
                                           "applicant_miss_window_seconds before it is refused "
                                           "with 429")
    applicant_misses_per_address: int = Field(default=20, ge=1, description="wrong answers "
                                              "one client address makes in the window before "
                                              "it is refused with 429")
    applicant_miss_window_seconds: int = Field(default=900, ge=1, description="how long a "
                                               "wrong answer counts (15 minutes)")
    applicant_miss_keys: int = Field(default=100_000, ge=100, description="case numbers and "
                                     "addresses with misses kept in memory at most; the "
                                     "longest quiet is forgotten first")
    review_callback_days: int = Field(default=1, ge=1, description="working days to call back "
                                      "a bad rating")
    review_fix_days: int = Field(default=5, ge=1, description="working days to rectify a bad "
                                 "rating, or to review an appeal (Dezhou: 5)")
    pickup_reminder_days: int = Field(default=5, ge=1, description="working days a result may "
                                      "wait at the window before the applicant is reminded")
    pickup_supervision_days: int = Field(default=10, ge=1, description="working days a result "
                                         "may wait at the window before it is supervised")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="the least severe log line written, this service's and its "
        "libraries' (uvicorn, nats-py, eventsourcing); DEBUG adds the polled routes' (/healthz, "
        "/readyz, /metrics) access lines")
    clock_tick_seconds: float = Field(default=60.0, gt=0, description="how often deadlines are checked")
    otlp_endpoint: str | None = Field(default=None, description="where spans go, by OTLP over "
                                      "HTTP (e.g. `http://127.0.0.1:4318/v1/traces`, an "
                                      "OpenTelemetry collector's); unset: no traces are made")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Overrides, then secrets from `..._FILE` files, then the environment."""
        return (init_settings, SecretFiles(settings_cls), env_settings, dotenv_settings,
                file_secret_settings)


def for_service(service: ServiceName, **overrides: object) -> ServiceSettings:
    """Settings for one service, read from TB_<SERVICE>_* variables, then overrides."""
    cls = type(
        f"{service.title()}Settings",
        (ServiceSettings,),
        {"model_config": SettingsConfigDict(env_prefix=f"TB_{service.upper()}_", extra="ignore")},
    )
    return cls(**overrides)
