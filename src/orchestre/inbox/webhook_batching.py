"""Group commit for webhook deliveries: the deliveries that arrive together are stored in
one transaction, and each request is answered once that transaction has committed.

Networks push messages one by one; storing each alone costs a transaction and, above all,
a classifier call whose price barely depends on how many messages it reads. The request
threads check their delivery (signature, format) on their own, then hand it to the
batcher's thread, which takes every delivery waiting (up to `max_deliveries`), stores them
together (`webhooks.store`) and commits. A lone delivery is stored at once, so nothing
waits for company; under load the groups grow by themselves. No delivery is answered 200
before it is committed: a crash loses nothing the network was told we have.

When a group's transaction fails, each of its deliveries is tried again alone, so one
delivery's problem is answered to its sender only.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from orchestre.inbox.classifying import Classifier
from orchestre.inbox.webhooks import Delivery, WebhookOutcome, store
from orchestre.kit.db import transaction

log = logging.getLogger(__name__)

MAX_DELIVERIES = 200
IDLE_SECONDS = 60.0


@dataclass
class _Waiting:
    delivery: Delivery
    answer: Future[WebhookOutcome]


class WebhookBatcher:
    """One daemon thread storing the deliveries handed to it, in groups."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        classifier: Classifier | None = None,
        max_deliveries: int = MAX_DELIVERIES,
    ) -> None:
        self._factory = factory
        self._classifier = classifier
        self._max = max_deliveries
        self._queue: queue.Queue[_Waiting | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, delivery: Delivery) -> Future[WebhookOutcome]:
        """The outcome once the delivery's group has committed (or its error)."""
        answer: Future[WebhookOutcome] = Future()
        self._queue.put(_Waiting(delivery, answer))
        self._start()
        return answer

    def stop(self, timeout: float = 30.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="orchestre-webhook-batcher", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:  # idle: the thread ends; the next delivery starts one
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            if first is None:
                return
            group = [first]
            while len(group) < self._max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(more)
            self._store(group)

    def _store(self, group: list[_Waiting]) -> None:
        try:
            outcomes = self._commit([w.delivery for w in group])
        except Exception as exc:
            if len(group) == 1:
                # The request answers 500; the network sends the delivery again later.
                log.exception("a webhook delivery could not be stored")
                _answer(group[0].answer, exc)
                return
            log.warning("a group of %d webhook deliveries failed; one by one", len(group))
            for waiting in group:
                self._store([waiting])
            return
        for waiting, outcome in zip(group, outcomes, strict=True):
            _answer(waiting.answer, outcome)

    def _commit(self, deliveries: list[Delivery]) -> list[WebhookOutcome]:
        with transaction(self._factory) as session:
            return store(session, deliveries, classifier=self._classifier)


def _answer(answer: Future[WebhookOutcome], outcome: WebhookOutcome | BaseException) -> None:
    """Tell the request; one that gave up waiting (its future cancelled) is passed over,
    so it cannot stop the thread that answers the others."""
    try:
        if isinstance(outcome, BaseException):
            answer.set_exception(outcome)
        else:
            answer.set_result(outcome)
    except InvalidStateError:
        log.info("a webhook request stopped waiting before its group committed")
