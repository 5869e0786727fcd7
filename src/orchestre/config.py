"""The one Settings object: every setting comes from here (environment prefix ORCHESTRE_)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration. Read once; pass it down instead of reading the environment."""

    model_config = SettingsConfigDict(env_prefix="ORCHESTRE_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("orchestre")))
    database_url: str | None = None
    # Fernet keys, comma separated, newest first. Empty: a key file in data_dir is used.
    encryption_keys: str | None = None
    session_max_age_seconds: int = 14 * 24 * 3600
    session_idle_seconds: int = 3 * 24 * 3600
    login_max_failures: int = 5
    login_window_seconds: int = 15 * 60
    max_upload_bytes: int = 512 * 1024 * 1024
    max_json_bytes: int = 1024 * 1024
    job_backend: Literal["embedded", "broker"] = "embedded"
    # Threads of the embedded job pool (`orchestre serve`): sends wait on the network, so
    # more threads publish more at once (the scaled mode sets `orchestre worker --threads`).
    job_threads: int = 8
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Shared rate-limit buckets for scaled workers (redis://host:6379/0); none: the database.
    redis_url: str | None = None
    # The RabbitMQ queue of this deployment's jobs (several deployments may share a broker).
    broker_queue: str = "orchestre"
    # A publication first tried later than this after its time waits for a person.
    publishing_max_lateness_minutes: int = 120
    # How long a worker's claim holds before another may take it over; the send lease must
    # outlast the longest network call (video uploads included).
    publishing_claim_lease_seconds: float = 120.0
    publishing_send_lease_seconds: float = 900.0
    # Retries: exponential backoff with full jitter from this base up to this ceiling; after
    # an unanswered request, wait this long before looking for the post on the network.
    publishing_retry_base_seconds: float = 1.0
    publishing_retry_max_seconds: float = 3600.0
    publishing_reconcile_delay_seconds: float = 10.0
    # Due text posts sent by one job (one transaction before their calls, one after; the
    # calls side by side). A post with media always goes alone.
    publishing_send_batch: int = Field(default=16, ge=1, le=64)
    # Analytics: hours between two measurements of a channel's followers and profile visits.
    channel_metrics_every_hours: float = Field(default=6.0, gt=0, le=168)
    # Inbox: how often the poller looks for due streams, how often each stream is read,
    # how long a claim holds, how much one claim reads, and the backoff after failures.
    inbox_poll_every_seconds: float = 5.0
    inbox_poll_interval_seconds: float = 60.0
    inbox_poll_lease_seconds: float = 120.0
    inbox_poll_batch: int = 50
    inbox_poll_max_pages: int = 5
    inbox_poll_page_size: int = 100
    inbox_poll_backoff_base_seconds: float = 30.0
    inbox_poll_backoff_max_seconds: float = 3600.0
    # How often late first responses are looked for (and old webhook receipts pruned).
    inbox_sla_sweep_seconds: float = 60.0
    # Webhooks: the token networks echo in their subscription check (Meta's
    # hub.verify_token); empty: derived from the network app's secret. The body limit is
    # also capped by max_json_bytes.
    inbox_webhook_verify_token: str | None = None
    inbox_webhook_max_bytes: int = 1024 * 1024
    # Listening feeds: let feed addresses reach loopback and private networks (a feed on
    # the intranet); off by default, so a user cannot make the server fetch inside it.
    listening_feeds_allow_private: bool = False
    # Listening: read Bluesky's public event stream (Jetstream, docs/listening.md). Off by
    # default: it is a firehose (every Bluesky post, a few GB a day) the self-hoster chooses.
    listening_stream_enabled: bool = False
    listening_stream_url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    cookie_secure: bool = False
    default_locale: Literal["en", "fr"] = "en"
    base_url: str = "http://127.0.0.1:8000"
    # Notice emails (failed publications, channels to reconnect); no host: no email is sent.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    mail_from: str = "orchestre@localhost"
    # Media files: a local folder (data_dir/media) or an S3-compatible bucket. With S3,
    # downloads are streamed through the application, or redirected to a presigned address
    # valid media_s3_url_seconds (the bucket must then be reachable by browsers).
    media_storage: Literal["local", "s3"] = "local"
    media_s3_bucket: str | None = None
    media_s3_endpoint_url: str | None = None
    media_s3_region: str = "us-east-1"
    media_s3_access_key_id: str | None = None
    media_s3_secret_access_key: SecretStr | None = None
    media_s3_prefix: str = ""
    media_s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
    media_s3_downloads: Literal["stream", "redirect"] = "stream"
    media_s3_url_seconds: int = Field(default=300, ge=10, le=3600)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'orchestre.sqlite3'}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def key_file(self) -> Path:
        return self.data_dir / "encryption.keys"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def network_app_from_env(
    network: str, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """The operator's app for `network` from ORCHESTRE_<NETWORK>_CLIENT_ID and
    ORCHESTRE_<NETWORK>_CLIENT_SECRET (the process environment unless `environ` is given):
    (client id, secret), or None when either is missing. Per-network names cannot be
    fields of `Settings`, since networks are plugins."""
    source = os.environ if environ is None else environ
    prefix = f"ORCHESTRE_{network.upper()}_"
    client_id = source.get(prefix + "CLIENT_ID", "").strip()
    secret = source.get(prefix + "CLIENT_SECRET", "").strip()
    return (client_id, secret) if client_id and secret else None
