"""The task type registry: every kind of task a module hands out is declared once, with the form
the assignee fills in and the outcomes they choose from.

    register_task_type("announcement.approve", _("Approve announcement"),
                       outcomes=[("approve", _("Approve")), ("reject", _("Reject"))])

`Task.kind` stores the code. A task of an unregistered kind still works (title, complete, move);
its type then shows as the code itself. `form_class` is a plain Django Form whose cleaned_data is
stored in `Task.data`; `template` is rendered above the form on the task page (the context has
`task` and `form`).

The form knows the outcome being chosen: `form.outcome` is set before it validates (a rule such as
"a rejection needs a reason" reads it). `services.task_complete` checks the data with the form
whoever completes the task — page, API, a module — through `TaskType.clean_data`; the task page
binds the same form (`TaskType.bind_form`) to show the errors next to the fields."""

import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TaskType:
    code: str
    label: str
    form_class: type | None = None
    template: str | None = None
    outcomes: list = field(default_factory=list)  # [(value, label)]; empty: a plain "Complete"

    @property
    def outcome_values(self):
        return [value for value, _label in self.outcomes]

    def outcome_label(self, value):
        return dict(self.outcomes).get(value, value)

    def bind_form(self, data=None, *, outcome="", **kwargs):
        """The type's form (None without one) bound to `data`, told the chosen `outcome`."""
        if self.form_class is None:
            return None
        form = self.form_class(data, **kwargs)
        form.outcome = outcome or ""
        return form

    def clean_data(self, data, *, outcome=""):
        """`data` checked by the type's form for `outcome`: its cleaned values, as JSON. Errors
        raise ValidationFailed with the fields named `data.<field>` (`data` for the whole form).
        A type without a form takes `data` as it is."""
        from xiuhao.core.errors import ValidationFailed

        form = self.bind_form(data or {}, outcome=outcome)
        if form is None:
            return data
        if not form.is_valid():
            raise ValidationFailed(fields={"data" if name == "__all__" else f"data.{name}": errors
                                           for name, errors in form.errors.items()})
        return json_safe(form.cleaned_data)


def json_safe(data):
    """Form values as they are stored in the JSON field (dates as ISO text, decimals as text)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


_TYPES: dict[str, TaskType] = {}


def register_task_type(code, label, *, form_class=None, template=None, outcomes=None) -> TaskType:
    """Declare a task type (call at import time of the module's registry or apps.ready). Declaring
    the same code again replaces it (modules reloaded in tests)."""
    task_type = TaskType(code=code, label=label, form_class=form_class, template=template,
                         outcomes=list(outcomes or []))
    _TYPES[code] = task_type
    return task_type


def get_task_type(code) -> TaskType | None:
    return _TYPES.get(code)


def task_types() -> list[TaskType]:
    return sorted(_TYPES.values(), key=lambda t: t.code)


def task_type_label(code) -> str:
    task_type = _TYPES.get(code)
    return str(task_type.label) if task_type else code


def task_type_choices():
    return [(t.code, t.label) for t in task_types()]


GENERIC = "task.generic"
register_task_type(GENERIC, _("To-do"))  # 待办事项: a to-do a person creates for someone or a pool
