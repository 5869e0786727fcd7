"""Background jobs: define tasks, enqueue them after commit, run them embedded or on a broker."""

from orchestre.worker.queue import Job, bind_dispatcher, enqueue, set_default_dispatcher
from orchestre.worker.registry import task

__all__ = ["Job", "bind_dispatcher", "enqueue", "set_default_dispatcher", "task"]
