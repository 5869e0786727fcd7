"""`orchestre sandbox serve`: run the sandbox network as a local HTTP server."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestre.connectors.sandbox.network import Faults, SandboxNetwork

sandbox_app = typer.Typer(
    help="The built-in sandbox network (no credentials, simulated audience).",
    no_args_is_help=True,
)


@sandbox_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; keep it local.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    seed: Annotated[int, typer.Option(help="Same seed, same audience and faults.")] = 0,
    latency: Annotated[float, typer.Option(help="Seconds added to every call.")] = 0.0,
    rate_limit: Annotated[
        int | None, typer.Option(help="Calls per window per account before 429.")
    ] = None,
    rate_window: Annotated[float, typer.Option(help="The rate limit's window, seconds.")] = 60.0,
    error_rate: Annotated[float, typer.Option(help="Share of writes refused (0-1).")] = 0.0,
    server_error_rate: Annotated[
        float, typer.Option(help="Share of writes answered 503 before doing anything (0-1).")
    ] = 0.0,
    ambiguous_rate: Annotated[
        float, typer.Option(help="Share of publishes done but answered too late (0-1).")
    ] = 0.0,
    quiet: Annotated[bool, typer.Option(help="Do not log each request.")] = False,
    silent_audience: Annotated[
        bool,
        typer.Option(help="The audience never comments, mentions or writes (benchmarks)."),
    ] = False,
    hold_seconds: Annotated[
        float, typer.Option(help="How long an ambiguous answer is held (beyond the client's wait).")
    ] = 35.0,
    webhook_url: Annotated[
        str | None,
        typer.Option(
            help="Push what the audience says to this URL, signed "
            "(e.g. http://127.0.0.1:8000/api/v1/webhooks/sandbox)."
        ),
    ] = None,
) -> None:
    """Serve the sandbox over HTTP; connect a channel to it with its URL as base_url."""
    from orchestre.connectors.sandbox import server

    rates = (
        ("--error-rate", error_rate),
        ("--ambiguous-rate", ambiguous_rate),
        ("--server-error-rate", server_error_rate),
    )
    for name, rate in rates:
        if not 0 <= rate <= 1:
            raise typer.BadParameter(f"{name} is a share between 0 and 1, not {rate}.")
    faults = Faults(
        latency_seconds=latency,
        rate_limit=rate_limit,
        rate_window_seconds=rate_window,
        error_rate=error_rate,
        ambiguous_rate=ambiguous_rate,
        server_error_rate=server_error_rate,
    )
    typer.echo(f"Sandbox network on http://{host}:{port} (seed {seed}). Ctrl+C stops it.")
    server.serve(
        SandboxNetwork(seed=seed, faults=faults, silent=silent_audience),
        host=host,
        port=port,
        hold_seconds=hold_seconds,
        access_log=not quiet,
        webhook_url=webhook_url,
    )
