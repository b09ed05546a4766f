"""Template filters of the task pages."""

from django import template

from xiuhao.tasks.types import task_type_label

register = template.Library()


@register.filter
def task_type(code):
    """The task type's label for a task's `kind` code."""
    return task_type_label(code)
