"""Pages, API and menu of the Task Centre: tasks and boards (registry_tasks), messages and
announcements (registry_messages)."""

from . import registry_messages, registry_tasks  # noqa: F401
