"""The embedded runner: a thread pool inside `orchestre serve`, with retries and backoff."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from orchestre.worker.execute import backoff_seconds, is_retryable, perform
from orchestre.worker.queue import Job
from orchestre.worker.registry import load_task_modules

log = logging.getLogger(__name__)


class EmbeddedRunner:
    """Runs committed jobs on background threads of the web process.

    Retries wait in memory, so they are lost if the process stops: acceptable because a
    job is a nudge and the state that matters is in the database (ADR 0003).
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        threads: int = 4,
        max_attempts: int = 5,
        base_delay: float = 2.0,
        max_delay: float = 300.0,
    ) -> None:
        self._factory = factory
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="orchestre-job")
        self._cond = threading.Condition()
        self._delayed: list[tuple[float, int, Job, int]] = []
        self._seq = itertools.count()
        self._unfinished = 0  # running, queued or waiting for a retry
        self._stopping = False
        self._timer: threading.Thread | None = None

    def start(self) -> None:
        with self._cond:
            if self._timer is not None or self._stopping:
                return
            load_task_modules()
            self._timer = threading.Thread(
                target=self._release_due_retries, name="orchestre-job-retries", daemon=True
            )
            self._timer.start()

    def dispatch(self, jobs: list[Job]) -> None:
        self.start()
        with self._cond:
            if self._stopping:
                log.warning(
                    "shutting down: %d job(s) not run: %s",
                    len(jobs),
                    ", ".join(j.name for j in jobs),
                )
                return
            self._unfinished += len(jobs)
        for job in jobs:
            self._pool.submit(self._run, job, 1)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every job sent so far has finished (retries included)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._unfinished == 0, timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Let running jobs finish (up to `timeout`), drop waiting retries, stop the threads."""
        with self._cond:
            self._stopping = True
            dropped = len(self._delayed)
            self._unfinished -= dropped
            self._delayed.clear()
            self._cond.notify_all()
        if dropped:
            log.warning("shutting down: %d job retry(ies) dropped", dropped)
        if not self.wait_idle(timeout):
            log.error("shutting down: jobs still running after %.0f s are abandoned", timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._timer is not None:
            self._timer.join(timeout=5)

    def _run(self, job: Job, attempt: int) -> None:
        try:
            perform(self._factory, job)
        except BaseException as exc:
            self._after_failure(job, attempt, exc)
        finally:
            self._finished()

    def _finished(self) -> None:
        with self._cond:
            self._unfinished -= 1
            self._cond.notify_all()

    def _after_failure(self, job: Job, attempt: int, exc: BaseException) -> None:
        with self._cond:
            retry = is_retryable(exc) and attempt < self._max_attempts and not self._stopping
            if retry:
                delay = backoff_seconds(attempt, self._base_delay, self._max_delay)
                due = time.monotonic() + delay
                heapq.heappush(self._delayed, (due, next(self._seq), job, attempt + 1))
                self._unfinished += 1
                self._cond.notify_all()
        if retry:
            log.warning(
                "job %s (%s) failed on attempt %d of %d; retrying in %.1f s",
                job.name,
                job.id,
                attempt,
                self._max_attempts,
                delay,
                exc_info=exc,
            )
        else:
            log.error(
                "job %s (%s) failed on attempt %d and will not be retried",
                job.name,
                job.id,
                attempt,
                exc_info=exc,
            )

    def _release_due_retries(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._due():
                    wait = self._delayed[0][0] - time.monotonic() if self._delayed else None
                    self._cond.wait(timeout=wait)
                if self._stopping:
                    return
                due = []
                while self._due():
                    _, _, job, attempt = heapq.heappop(self._delayed)
                    due.append((job, attempt))
            for job, attempt in due:
                try:
                    self._pool.submit(self._run, job, attempt)
                except RuntimeError:  # the pool shut down between the pop and the submit
                    log.warning("shutting down: retry of job %s (%s) dropped", job.name, job.id)
                    self._finished()
                    return

    def _due(self) -> bool:
        return bool(self._delayed) and self._delayed[0][0] <= time.monotonic()
