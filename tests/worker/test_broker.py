"""A job goes through the real RabbitMQ and a Dramatiq worker runs it in its own transaction."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import pika
import pytest
from sqlalchemy.orm import Session, sessionmaker

from orchestre.models import Workspace
from orchestre.worker import bind_dispatcher, enqueue
from orchestre.worker.broker import BrokerRunner
from tests.worker.jobs import attempts, ran

BROKER_URL = os.environ.get("ORCHESTRE_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")

pytestmark = pytest.mark.broker


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5672), 2):
            return True
    except OSError:
        return False


@pytest.fixture
def queue_name() -> Iterator[str]:
    if not _reachable(BROKER_URL):
        pytest.skip(f"RabbitMQ is not reachable at {BROKER_URL} (start: rabbitmq-server -detached)")
    name = f"orchestre_test_{uuid.uuid4().hex[:12]}"
    yield name
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = connection.channel()
    for suffix in ("", ".DQ", ".XQ"):
        channel.queue_delete(queue=name + suffix)
    connection.close()


def test_job_goes_through_rabbitmq_and_a_worker_runs_it(
    session_factory: sessionmaker[Session], queue_name: str
) -> None:
    runner = BrokerRunner(BROKER_URL, session_factory, queue_name=queue_name, min_backoff_ms=50)
    bind_dispatcher(session_factory, runner)
    slug = f"broker-{uuid.uuid4().hex[:10]}"
    retried = f"broker-retry-{uuid.uuid4().hex[:10]}"

    session = session_factory()
    enqueue(session, "testing.create_workspace", slug=slug)
    enqueue(session, "testing.create_workspace", slug=retried, fail_times=1)
    session.commit()
    session.close()

    stop = threading.Event()
    consumer = threading.Thread(target=runner.consume, args=(stop,), kwargs={"threads": 1})
    consumer.start()
    try:
        assert ran[slug].wait(timeout=30), "the worker did not run the job within 30 s"
        assert ran[retried].wait(timeout=30), "the failed job was not retried within 30 s"
    finally:
        stop.set()
        consumer.join(timeout=60)
    assert not consumer.is_alive()

    assert attempts[slug] == 1
    assert attempts[retried] == 2
    with session_factory() as check:
        assert check.query(Workspace).filter_by(slug=slug).count() == 1
        assert check.query(Workspace).filter_by(slug=retried).count() == 1
