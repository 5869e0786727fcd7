"""The `orchestre` command: serve, worker, db, user, workspace, token, network-app,
rotate-key, refresh-tokens, demo."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from orchestre import __version__, cli_network_apps, cli_validate
from orchestre.config import Settings
from orchestre.connectors.sandbox.command import sandbox_app
from orchestre.errors import DomainError
from orchestre.kit import keys, migrate
from orchestre.kit.clock import utcnow
from orchestre.kit.db import make_engine, make_session_factory, transaction
from orchestre.ml import cli as ml_cli

log = logging.getLogger("orchestre.cli")

app = typer.Typer(
    help="Orchestre: self-hostable social media management. Settings come from ORCHESTRE_* "
    "environment variables; --data-dir overrides ORCHESTRE_DATA_DIR.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (one per brand or client).", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(workspace_app, name="workspace")
app.add_typer(token_app, name="token")
app.add_typer(cli_network_apps.network_app_app, name="network-app")
app.add_typer(sandbox_app, name="sandbox")
analytics_app = typer.Typer(help="Analytics upkeep.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")
app.command("classify")(ml_cli.classify)
app.command("validate")(cli_validate.validate)
app.command("refresh-tokens")(cli_network_apps.refresh_tokens)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder for the SQLite database, media and key file "
        "(default: ORCHESTRE_DATA_DIR, else a per-user data folder).",
        file_okay=False,
    ),
]
# Migrations from concurrent `serve` processes on PostgreSQL queue on this lock.
MIGRATION_LOCK_ID = 0x0C4E57E


# Plumbing -------------------------------------------------------------------------------------


def _settings(data_dir: Path | None) -> Settings:
    if data_dir is None:
        return Settings()
    return Settings(data_dir=data_dir.expanduser().resolve())


def _fail(message: str) -> NoReturn:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def _fail_domain(exc: DomainError) -> NoReturn:
    lines = [exc.detail] + [f"  - {e.field}: {e.message}" for e in exc.errors]
    _fail("\n".join(lines))


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # pika narrates every connection step at INFO; its warnings and errors still show.
    logging.getLogger("pika").setLevel(logging.WARNING)
    # httpx logs every request's full address at INFO; some networks (Meta's token
    # exchanges) put secrets in the query string. Warnings and errors still show.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _engine(settings: Settings) -> Engine:
    # The data folder holds the key file and media even when the database is elsewhere.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url())


def _where(settings: Settings) -> str:
    """The database, said without its password."""
    url = make_url(settings.resolved_database_url())
    if url.get_backend_name() == "sqlite":
        return f"SQLite at {url.database}"
    return url.render_as_string(hide_password=True)


def _upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations; idempotent, and safe when several processes start together."""
    if engine.dialect.name != "postgresql":
        migrate.upgrade(engine, revision)  # SQLite: BEGIN IMMEDIATE already serialises
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        try:
            migrate.upgrade(engine, revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
            lock.commit()


@contextmanager
def _database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory on an up-to-date database (admin commands bring it to head first).

    Jobs the command enqueues go to the configured runner: the broker, or (embedded) a pool
    in this process that finishes them before the command exits.
    """
    from orchestre.worker.runtime import make_runner

    engine = _engine(settings)
    try:
        _upgrade(engine)
        factory = make_session_factory(engine)
        runner = make_runner(settings, factory)
        try:
            yield factory
        finally:
            runner.stop()
    finally:
        engine.dispose()


def _run(factory: sessionmaker[Session], work: Callable[[Session], Any]) -> Any:
    """One transaction; a refused use case becomes a readable message and exit code 1."""
    try:
        with transaction(factory) as session:
            return work(session)
    except DomainError as exc:
        _fail_domain(exc)


# serve and worker -----------------------------------------------------------------------------


def _with_runner(
    web: FastAPI, runner: Any, settings: Settings, factory: sessionmaker[Session]
) -> None:
    """Start the job runner and the background loops (publishing ticker, token refresher,
    delivery sweeper) with the app's lifespan; stop them (draining the runner) on shutdown."""
    from orchestre.background import start_background

    inner = web.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        runner.start()
        background = start_background(settings, factory)
        try:
            async with inner(application) as state:
                yield state
        finally:
            background.stop()
            await asyncio.to_thread(runner.stop)

    web.router.lifespan_context = lifespan


def _prepare(settings: Settings, demo: bool) -> tuple[Engine, sessionmaker[Session]]:
    engine = _engine(settings)
    _upgrade(engine)
    keys.load_keys(settings)  # fail now, not on the first channel, if keys are unusable
    if demo:
        with _database(settings) as demo_factory:  # its own runner finishes the demo's jobs
            _fill_demo(settings, demo_factory)
    return engine, make_session_factory(engine)


def _greet(settings: Settings, factory: sessionmaker[Session], url: str) -> None:
    from orchestre.workspaces.service import needs_owner

    typer.echo(f"Orchestre {__version__} on {url}")
    typer.echo(f"  database: {_where(settings)}")
    typer.echo(
        f"  jobs: {settings.job_backend}"
        + (
            " (run `orchestre worker` to process them)"
            if settings.job_backend == "broker"
            else " (in this process)"
        )
    )
    with factory() as session:
        if needs_owner(session):
            typer.echo(
                f"  No account yet: open {url}/ to create the owner account "
                "(or run `orchestre user create`)."
            )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDir = None,
    demo: Annotated[bool, typer.Option(help="Fill the demo workspace first.")] = False,
    reload: Annotated[
        bool, typer.Option(help="Restart on code changes (development; reads ORCHESTRE_*).")
    ] = False,
) -> None:
    """Run the web app and JSON API; applies migrations first. Embedded jobs run in-process."""
    import uvicorn

    from orchestre.app import create_app
    from orchestre.worker.runtime import make_runner

    _configure_logging()
    settings = _settings(data_dir)
    if reload and data_dir is not None:
        _fail(
            "With --reload the server restarts in a fresh process that reads the "
            "environment: set ORCHESTRE_DATA_DIR instead of --data-dir."
        )
    engine, factory = _prepare(settings, demo)
    url = f"http://{host}:{port}"
    _greet(settings, factory, url)
    if reload:
        engine.dispose()
        uvicorn.run(
            "orchestre.cli:reloadable_app",
            factory=True,
            host=host,
            port=port,
            reload=True,
            reload_dirs=[str(Path(__file__).parent)],
        )
        return
    runner = make_runner(settings, factory)
    web = create_app(settings, session_factory=factory)
    _with_runner(web, runner, settings, factory)
    try:
        uvicorn.run(web, host=host, port=port, log_level="info")
    finally:
        engine.dispose()


def reloadable_app() -> FastAPI:
    """The app for `serve --reload`: uvicorn imports it afresh after every change."""
    from orchestre.app import create_app
    from orchestre.worker.runtime import make_runner

    settings = Settings()
    factory = make_session_factory(_engine(settings))
    web = create_app(settings, session_factory=factory)
    _with_runner(web, make_runner(settings, factory), settings, factory)
    return web


def _consume(settings: Settings, threads: int) -> None:
    """One consumer process: runs broker jobs until SIGINT or SIGTERM."""
    from orchestre.worker.runtime import consume

    _configure_logging()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    from orchestre.background import Background, start_background

    engine = _engine(settings)
    factory = make_session_factory(engine)
    started: list[Background] = []

    def start() -> None:
        # Every worker process runs the background loops too: none is special.
        started.append(start_background(settings, factory))

    try:
        consume(settings, factory, stop, threads, on_ready=start)
    finally:
        for background in started:
            background.stop()
        engine.dispose()


@app.command()
def worker(
    data_dir: DataDir = None,
    threads: Annotated[int, typer.Option(min=1, help="Jobs run at once per process.")] = 4,
    processes: Annotated[int, typer.Option(min=1, help="Consumer processes to start.")] = 1,
) -> None:
    """Run broker jobs (ORCHESTRE_JOB_BACKEND=broker); start one per machine as needed."""
    settings = _settings(data_dir)
    if settings.job_backend != "broker":
        _fail(
            "Jobs run inside `orchestre serve` (ORCHESTRE_JOB_BACKEND=embedded): there is "
            "nothing for a separate worker to do. To run workers apart, set "
            "ORCHESTRE_JOB_BACKEND=broker and ORCHESTRE_BROKER_URL for serve and worker."
        )
    typer.echo(
        f"Orchestre worker: {processes} process(es) x {threads} thread(s), "
        f"broker {make_url(settings.broker_url).render_as_string(hide_password=True)}"
    )
    if processes == 1:
        _consume(settings, threads)
        return
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_consume, args=(settings, threads)) for _ in range(processes)
    ]
    for child in children:
        child.start()

    def forward(_signum: int, _frame: object) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: each consumer finishes its running jobs first

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    for child in children:
        child.join()


# db -------------------------------------------------------------------------------------------


@contextmanager
def _migrating(settings: Settings) -> Iterator[Engine]:
    """An engine for migration commands; Alembic's refusals become readable messages."""
    from alembic.util import CommandError

    engine = _engine(settings)
    try:
        yield engine
    except CommandError as exc:
        _fail(f"Migration refused: {exc}. See `orchestre db current`.")
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
    data_dir: DataDir = None,
) -> None:
    """Apply migrations up to a revision (default: the latest)."""
    settings = _settings(data_dir)
    with _migrating(settings) as engine:
        _upgrade(engine, revision)
        typer.echo(f"Database ({_where(settings)}) at revision {migrate.current(engine)}.")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Option(help="Target revision, or -N steps back.")] = "-1",
    data_dir: DataDir = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Revert migrations (this can delete data: back up first)."""
    settings = _settings(data_dir)
    if not yes:
        typer.confirm(
            f"Downgrading {_where(settings)} to {revision} can delete data. Go on?", abort=True
        )
    with _migrating(settings) as engine:
        if migrate.current(engine) is None:
            typer.echo("The database is empty: nothing to downgrade.")
            return
        migrate.downgrade(engine, revision)
        typer.echo(f"Database at revision {migrate.current(engine) or 'none (empty)'}.")


@db_app.command("current")
def db_current(data_dir: DataDir = None) -> None:
    """Show the database's migration revision."""
    settings = _settings(data_dir)
    engine = _engine(settings)
    try:
        typer.echo(migrate.current(engine) or "none (empty database)")
    finally:
        engine.dispose()


# user, workspace, token -----------------------------------------------------------------------


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    name: Annotated[str, typer.Option(help="Name shown to others.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    locale: Annotated[str | None, typer.Option(help="en or fr (default: the browser's).")] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="IANA time zone, e.g. Europe/Paris (default: each workspace's)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an account (the password is prompted for, hidden, unless --password-stdin)."""
    from orchestre.workspaces.service import create_user

    password = _read_password(password_stdin)
    with _database(_settings(data_dir)) as factory:
        user = _run(factory, lambda s: create_user(s, email, name, password, locale, timezone))
    typer.echo(
        f"Created the account {user.email}. Next: orchestre workspace create "
        f"--name NAME --owner-email {user.email}"
    )


def _user(session: Session, email: str) -> Any:
    from orchestre.workspaces.service import find_user_by_email

    user = find_user_by_email(session, email)
    if user is None:
        _fail(f"No account uses {email}. Create it with: orchestre user create --email {email}")
    return user


@workspace_app.command("create")
def workspace_create(
    name: Annotated[str, typer.Option(help="The brand or client's name.")],
    owner_email: Annotated[str, typer.Option(help="Email of an existing account.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Paris.")] = "UTC",
    locale: Annotated[str, typer.Option(help="en or fr.")] = "en",
    data_dir: DataDir = None,
) -> None:
    """Create a workspace owned by an existing account."""
    from orchestre.workspaces.service import create_workspace

    with _database(_settings(data_dir)) as factory:
        ws = _run(
            factory, lambda s: create_workspace(s, _user(s, owner_email), name, timezone, locale)
        )
    typer.echo(f"Created the workspace {ws.name} (slug {ws.slug}, id {ws.id}).")


@token_app.command("create")
def token_create(
    workspace: Annotated[str, typer.Option(help="The workspace's slug.")],
    email: Annotated[str, typer.Option(help="The member the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'CI export'.")],
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Expiry in days (default: never).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a personal API token; it is printed once and only its hash is kept."""
    from orchestre.workspaces.auth import actor_for
    from orchestre.workspaces.service import issue_token, workspaces_of

    def issue(session: Session) -> str:
        user = _user(session, email)
        found = [ws for ws, _ in workspaces_of(session, user.id) if ws.slug == workspace]
        if not found:
            _fail(f"{email} is not a member of a workspace with the slug {workspace!r}.")
        expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
        raw, _ = issue_token(session, actor_for(session, user.id, found[0].id), name, expires)
        return raw

    with _database(_settings(data_dir)) as factory:
        raw = _run(factory, issue)
    typer.echo(
        "API token (shown once, store it now; send it as 'Authorization: Bearer ...'):", err=True
    )
    typer.echo(raw)


@analytics_app.command("rebuild-stats")
def analytics_rebuild_stats(
    workspace: Annotated[
        str | None, typer.Option(help="One workspace's slug (default: every workspace).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Make the per-post figures dashboards read again from the stored metric samples
    (after an upgrade, or a repair); running it twice changes nothing."""
    from orchestre.analytics.stats import rebuild_command

    with _database(_settings(data_dir)) as factory:
        report = _run(factory, lambda s: rebuild_command(s, workspace))
    typer.echo(
        f"Figures rebuilt for {report.publications} published posts "
        f"({report.measured} measured, {report.removed} rows of unpublished posts removed)."
    )


# rotate-key and demo --------------------------------------------------------------------------


@app.command("rotate-key")
def rotate_key(
    new_key: Annotated[
        str | None,
        typer.Option("--new-key", help="Re-encrypt under this key (keys from the environment)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Re-encrypt every channel's credentials under a new key."""
    settings = _settings(data_dir)
    if new_key is not None:
        try:
            new_key = keys.check_key(new_key)
        except keys.EncryptionKeyError as exc:
            _fail(str(exc))
    if keys.source(settings) == "environment":
        _rotate_env_keys(settings, new_key)
    else:
        _rotate_key_file(settings, new_key)


def _reencrypt(settings: Settings, ring: list[str]) -> int:
    from orchestre.assistant.configuration import rotate_keys as rotate_provider_keys
    from orchestre.channels.apps import AppsUnreadable, rotate_app_secrets
    from orchestre.channels.connect import rotate_attempt_secrets
    from orchestre.channels.service import CredentialsUnreadable, rotate_credentials
    from orchestre.kit.crypto import SecretBox

    def both(session: Session) -> int:
        # One transaction: channels' credentials and the apps' secrets move together.
        box = SecretBox(ring)
        channels = rotate_credentials(session, box)
        apps = rotate_app_secrets(session, box)
        rotate_attempt_secrets(session, box)  # connections under way survive the rotation
        rotate_provider_keys(session, box)  # the assistant's model providers
        if apps:
            typer.echo(f"Re-encrypted the client secrets of {apps} network app(s).")
        return channels

    with _database(settings) as factory:
        try:
            count: int = _run(factory, both)
        except (CredentialsUnreadable, AppsUnreadable) as exc:
            _fail(str(exc))
    return count


def _rotate_key_file(settings: Settings, new_key: str | None) -> None:
    from orchestre.kit.crypto import new_key as generate

    path = settings.key_file
    current = keys.load_keys(settings)
    fresh = new_key or generate()
    # Three steps so that at every instant the key file can read what the database holds:
    # add the new key, re-encrypt in one transaction, then drop the old keys.
    keys.write_key_file(path, [fresh, *current])
    try:
        count = _reencrypt(settings, [fresh, *current])
    except typer.Exit:
        typer.echo(
            f"Nothing was re-encrypted; {path} keeps the old keys too, so every "
            "credential still reads.",
            err=True,
        )
        raise
    keys.write_key_file(path, [fresh])
    typer.echo(
        f"Re-encrypted the credentials of {count} channel(s) under a new key. {path} "
        "now holds only that key: back it up with the database, and restart running "
        "Orchestre processes so they load it."
    )


def _rotate_env_keys(settings: Settings, new_key: str | None) -> None:
    from orchestre.kit.crypto import new_key as generate

    if new_key is None:
        fresh = generate()
        typer.echo(
            "The keys come from ORCHESTRE_ENCRYPTION_KEYS, which Orchestre cannot change.\n"
            f"A new key: {fresh}\n"
            "To rotate without interrupting anything:\n"
            "  1. Set ORCHESTRE_ENCRYPTION_KEYS=<new key>,<current keys> for every Orchestre\n"
            "     process (serve and workers) and restart them.\n"
            "  2. Run: orchestre rotate-key --new-key <new key>\n"
            "  3. Set ORCHESTRE_ENCRYPTION_KEYS=<new key> alone and restart.\n"
            "Nothing was changed."
        )
        return
    current = keys.load_keys(settings)
    count = _reencrypt(settings, [new_key, *[k for k in current if k != new_key]])
    typer.echo(
        f"Re-encrypted the credentials of {count} channel(s) under the key given with "
        "--new-key. Now set ORCHESTRE_ENCRYPTION_KEYS to that key alone for every "
        "Orchestre process and restart them; the old keys are no longer needed."
    )


def _fill_demo(settings: Settings, factory: sessionmaker[Session]) -> None:
    from orchestre import demo as demo_module

    result = _run(factory, lambda s: demo_module.fill(s, settings))
    for line in demo_module.describe(result):
        typer.echo(line)


@app.command()
def demo(data_dir: DataDir = None) -> None:
    """Fill the demo workspace "Maison Lumière"; a second run leaves it as it is."""
    settings = _settings(data_dir)
    with _database(settings) as factory:
        _fill_demo(settings, factory)


def main() -> None:
    app()
