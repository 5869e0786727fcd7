"""The collection job as the workers run it: registered, and going round until nothing is due."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orchestre.insights import tasks
from orchestre.models.insights import MetricCollection, PostMetricSample
from orchestre.worker.registry import load_task_modules, resolve
from tests.insights.conftest import SandboxOpener, World


def test_the_collection_job_is_registered_for_the_workers() -> None:
    load_task_modules()
    assert resolve("insights.collect_metrics") is tasks.collect_metrics


def test_the_job_goes_round_in_batches_until_nothing_is_due(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        world.publish_now()
    world.later(hours=2)
    monkeypatch.setattr(tasks, "BATCH", 2)
    monkeypatch.setattr(tasks, "get_settings", lambda: None)
    monkeypatch.setattr(tasks, "access_for", lambda _settings: None)

    def opener(_access: object) -> SandboxOpener:
        return world.opener

    monkeypatch.setattr(tasks, "ChannelOpener", opener)
    tasks.collect_metrics(world.db)
    scheduled = world.db.scalar(select(func.count()).select_from(MetricCollection))
    measured = world.db.scalar(select(func.count(func.distinct(PostMetricSample.publication_id))))
    assert scheduled == 5
    assert measured == 5
