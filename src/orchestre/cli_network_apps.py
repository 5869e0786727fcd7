"""`orchestre network-app set|list|remove` and `orchestre refresh-tokens`.

The client secret is never taken from the command line (it would land in the shell's
history and the process list): it is prompted for, hidden, or read from a file or from
standard input.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

network_app_app = typer.Typer(
    help="The operator's apps on the networks (OAuth 2 client id and secret).",
    no_args_is_help=True,
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder for the SQLite database, media and key file "
        "(default: ORCHESTRE_DATA_DIR, else a per-user data folder).",
        file_okay=False,
    ),
]


def _read_secret(secret_file: Path | None, secret_stdin: bool) -> str:
    from orchestre.cli import _fail

    if secret_file is not None and secret_stdin:
        _fail("Give the secret with --client-secret-file or --client-secret-stdin, not both.")
    if secret_file is not None:
        try:
            return secret_file.read_text().strip()
        except OSError as exc:
            _fail(f"Cannot read {secret_file}: {exc.strerror}")
    if secret_stdin:
        return sys.stdin.readline().strip()
    secret: str = typer.prompt("Client secret", hide_input=True)
    return secret.strip()


@network_app_app.command("set")
def network_app_set(
    network: Annotated[str, typer.Argument(help="The network, e.g. x, linkedin, mastodon.")],
    client_id: Annotated[str, typer.Option("--client-id", help="The app's client id.")],
    client_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--client-secret-file", help="Read the client secret from this file.", dir_okay=False
        ),
    ] = None,
    client_secret_stdin: Annotated[
        bool,
        typer.Option("--client-secret-stdin", help="Read the client secret from standard input."),
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Only for this server of a federated network."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Store the app of a network; the secret is encrypted and never printed (it is prompted
    for, hidden, unless read from a file or standard input)."""
    from orchestre.channels.apps import set_app
    from orchestre.cli import _database, _run, _settings
    from orchestre.kit import keys

    secret = _read_secret(client_secret_file, client_secret_stdin)
    settings = _settings(data_dir)
    box = keys.secret_box(settings)
    with _database(settings) as factory:
        _run(factory, lambda s: set_app(s, box, network, client_id, secret, base_url=base_url))
    where = f" on {base_url}" if base_url else ""
    typer.echo(
        f"Saved the {network} app{where} (client id {client_id}). Its redirect URL is "
        f"{settings.base_url.rstrip('/')}/oauth/callback/{network}."
    )


@network_app_app.command("list")
def network_app_list(data_dir: DataDir = None) -> None:
    """The stored apps (never their secrets)."""
    from orchestre.channels.apps import list_apps
    from orchestre.cli import _database, _run, _settings

    with _database(_settings(data_dir)) as factory:
        rows = _run(
            factory,
            lambda s: [(a.network, a.base_url, a.client_id, a.source) for a in list_apps(s)],
        )
    if not rows:
        typer.echo("No network app is stored.")
    for network, base_url, client_id, source in rows:
        typer.echo(f"{network}\t{base_url or '-'}\t{client_id}\t{source}")


@network_app_app.command("remove")
def network_app_remove(
    network: Annotated[str, typer.Argument(help="The network.")],
    base_url: Annotated[str | None, typer.Option("--base-url", help="The server.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Forget a stored app (connected channels keep their tokens until they must refresh)."""
    from orchestre.channels.apps import remove_app
    from orchestre.cli import _database, _fail, _run, _settings

    with _database(_settings(data_dir)) as factory:
        removed = _run(factory, lambda s: remove_app(s, network, base_url))
    if not removed:
        _fail(f"No {network} app is stored{' for ' + base_url if base_url else ''}.")
    typer.echo(f"Removed the {network} app.")


def refresh_tokens(data_dir: DataDir = None) -> None:
    """Refresh the channels' tokens that expire within the hour (run it from cron)."""
    from orchestre.channels.apps import access_for
    from orchestre.channels.credentials import refresh_expiring
    from orchestre.cli import _database, _run, _settings

    settings = _settings(data_dir)
    access = access_for(settings)
    with _database(settings) as factory:
        report = _run(factory, lambda s: refresh_expiring(s, access))
    typer.echo(
        f"Refreshed {report.refreshed} channel(s); {report.needs_reconnection} need(s) "
        f"reconnection; {report.postponed} postponed."
    )
