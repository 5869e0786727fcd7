"""The task registry: `@task("domain.event")` names a plain function that a worker can run."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

TaskFn = Callable[..., None]
F = TypeVar("F", bound=Callable[..., None])

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

_TASKS: dict[str, TaskFn] = {}


class UnknownTask(LookupError):
    """No task of that name is registered in this process: a deploy mismatch or a typo."""


def check_name(name: str) -> None:
    if not NAME.match(name):
        raise ValueError(f"task names look like 'domain.event' (lowercase, dotted), not {name!r}")


def task(name: str) -> Callable[[F], F]:
    """Register `fn(session, **kwargs)` under `name`; kwargs must be JSON-safe."""
    check_name(name)

    def register(fn: F) -> F:
        existing = _TASKS.get(name)
        if existing is not None and _qualname(existing) != _qualname(fn):
            raise ValueError(f"task {name!r} is already registered by {_qualname(existing)}")
        _TASKS[name] = fn
        return fn

    return register


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def resolve(name: str) -> TaskFn:
    try:
        return _TASKS[name]
    except KeyError:
        raise UnknownTask(f"no task named {name!r} is registered in this process") from None


def registered() -> list[str]:
    return sorted(_TASKS)


def load_task_modules() -> list[str]:
    """Import every `orchestre.<domain>.tasks` module so that their tasks are registered.

    A worker process runs jobs enqueued anywhere; discovery keeps the list of task modules
    from drifting out of date as domains add theirs.
    """
    import orchestre

    loaded = []
    for info in pkgutil.iter_modules(orchestre.__path__):
        if not info.ispkg:
            continue
        module_name = f"orchestre.{info.name}.tasks"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name)
        loaded.append(module_name)
    log.debug("task modules loaded: %s", loaded)
    return loaded


def run(session: Session, name: str, kwargs: dict[str, Any]) -> None:
    resolve(name)(session, **kwargs)
