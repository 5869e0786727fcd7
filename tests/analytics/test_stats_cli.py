"""`orchestre analytics rebuild-stats`: the backfill command, on an empty database and with
an unknown workspace."""

from __future__ import annotations

from tests.cli.conftest import Cli, cli, cli_database  # noqa: F401 - the CLI fixtures


def test_rebuild_stats_runs_on_a_fresh_database_and_twice(cli: Cli) -> None:  # noqa: F811
    first = cli("analytics", "rebuild-stats")
    assert first.exit_code == 0, first.output
    assert "Figures rebuilt for 0 published posts (0 measured" in first.output
    again = cli("analytics", "rebuild-stats")
    assert again.exit_code == 0, again.output
    assert again.output == first.output


def test_an_unknown_workspace_is_said(cli: Cli) -> None:  # noqa: F811
    result = cli("analytics", "rebuild-stats", "--workspace", "nowhere")
    assert result.exit_code == 1
    assert "No workspace has the slug 'nowhere'." in result.output
