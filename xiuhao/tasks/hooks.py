"""The seams of the Task Centre for the apps above it. Tasks know nothing of processes or SLA
clocks; those apps plug in here from their `AppConfig.ready()`:

- `on_task_completed(fn)`: `fn(*, task, actor)` runs when a task is completed, inside the
  completion's transaction and after its history row and audit event are written. An error it
  raises rolls the completion back (the workflow app moves a task's process on here: a process
  step that fails leaves the task open).
- `add_marks(TaskMarks(...))`: things another app shows beside a task on my tasks, the task page
  and the phone (the SLA app shows the clocks timing the task or its record). A provider reads
  the marks of a whole page of tasks at once (`collect(tasks)`, one query, not one per task).

Subscribing twice with the same function or name replaces, not adds (ready() may run again in
tests); subscribers run in the order they subscribed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_completed: dict[str, Callable] = {}
_marks: dict[str, "TaskMarks"] = {}


def _key(fn):
    return f"{fn.__module__}.{fn.__qualname__}"


def on_task_completed(fn):
    """Run `fn(*, task, actor)` inside every task completion's transaction (usable as a decorator)."""
    _completed[_key(fn)] = fn
    return fn


def task_completed(*, task, actor):
    """Called by services.task_complete with the completed task (status DONE, outcome and data set)."""
    for fn in list(_completed.values()):
        fn(task=task, actor=actor)


@dataclass(frozen=True)
class Mark:
    """One thing shown beside a task: `template` renders it on the desktop pages (with `mark` in
    the context, e.g. a coloured badge), `label` and `at` on the phone ("Response · 05-02 14:00")."""

    name: str  # the provider's name: pages mark it with data-testid="<name>-mark"
    label: str
    at: datetime.datetime | None
    template: str
    object: Any = None  # the provider's record (an SLA clock), for its template


@dataclass(frozen=True)
class TaskMarks:
    """A provider of marks: `collect(tasks)` → {task pk: [Mark, …]} for a list of tasks; `label`
    heads them on the task page."""

    name: str
    label: str
    collect: Callable


def add_marks(provider: TaskMarks):
    _marks[provider.name] = provider
    return provider


def mark_providers():
    return list(_marks.values())
