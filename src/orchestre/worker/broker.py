"""The broker runner: Dramatiq over RabbitMQ, for `orchestre worker` processes on any machine."""

from __future__ import annotations

import logging
import threading
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from sqlalchemy.orm import Session, sessionmaker

from orchestre.worker.execute import is_retryable, perform
from orchestre.worker.queue import Job
from orchestre.worker.registry import load_task_modules

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "orchestre"
ACTOR_NAME = "orchestre_job"


class BrokerRunner:
    """Sends committed jobs to RabbitMQ; `consume` runs them in this process's threads.

    Every task travels through one Dramatiq actor carrying the task name, so adding a task
    to a domain needs no broker-side declaration.
    """

    def __init__(
        self,
        url: str,
        factory: sessionmaker[Session],
        *,
        queue_name: str = DEFAULT_QUEUE,
        max_attempts: int = 5,
        min_backoff_ms: int = 2_000,
        max_backoff_ms: int = 300_000,
    ) -> None:
        self.queue_name = queue_name
        self._max_attempts = max_attempts
        # confirm_delivery: a commit's jobs count as sent only once RabbitMQ has them.
        self.broker = RabbitmqBroker(url=url, confirm_delivery=True)

        def orchestre_job(name: str, kwargs: dict[str, Any], job_id: str) -> None:
            perform(factory, Job(name=name, kwargs=kwargs, id=job_id))

        declare = dramatiq.actor(
            actor_name=ACTOR_NAME,
            queue_name=queue_name,
            broker=self.broker,
            retry_when=self._should_retry,
            min_backoff=min_backoff_ms,
            max_backoff=max_backoff_ms,
        )
        self._actor = declare(orchestre_job)

    def _should_retry(self, retries: int, exc: BaseException) -> bool:
        return retries < self._max_attempts - 1 and is_retryable(exc)

    def start(self) -> None:
        """Nothing to start for sending: the connection opens on the first job."""

    def dispatch(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._actor.send(job.name, job.kwargs, job.id)

    def stop(self, timeout: float = 30.0) -> None:
        self.broker.close()

    def consume(self, stop: threading.Event, *, threads: int = 4) -> None:
        """Run jobs from the queue on `threads` threads until `stop` is set."""
        load_task_modules()
        worker = dramatiq.Worker(
            self.broker, queues={self.queue_name}, worker_threads=threads, worker_timeout=1000
        )
        worker.start()
        log.info("worker consuming queue %r with %d thread(s)", self.queue_name, threads)
        try:
            stop.wait()
        finally:
            worker.stop(timeout=30_000)
            self.broker.close()
