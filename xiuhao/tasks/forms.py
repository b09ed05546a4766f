"""Input of the task pages: the moves' reasons and receivers, the engineer's state, the boards'
filters. Forms only check input; the services decide."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiuhao.core.widgets import AutocompleteSelect

from .models import EngineerState, Task
from .types import task_type_choices


def colleagues(user):
    """People a user may transfer a task to without a manager: their branch's staff (an outlet's
    users: their outlet's). The service also accepts anyone within their data scope."""
    User = get_user_model()
    qs = User.objects.filter(is_active=True).exclude(pk=user.pk)
    if user.outlet_id:
        return qs.filter(outlet=user.outlet_id)
    if user.branch_id:
        return qs.filter(branch=user.branch_id, outlet__isnull=True)
    return qs.filter(Q(pk__in=User.objects.visible_to(user).values("pk")))


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ReasonForm(_Styled):
    reason = forms.CharField(label=_("Reason"), max_length=255, widget=forms.TextInput)


class TransferForm(ReasonForm):
    to_user = forms.ModelChoiceField(label=_("Transfer to"), queryset=get_user_model().objects.none())
    field_order = ["to_user", "reason"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = colleagues(user).order_by("username")


class ReassignForm(ReasonForm):
    to_user = forms.ModelChoiceField(label=_("Reassign to"), queryset=get_user_model().objects.none())
    field_order = ["to_user", "reason"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        field = self.fields["to_user"]
        field.queryset = User.objects.filter(is_active=True).visible_to(user)
        field.widget = AutocompleteSelect(User, attrs={"class": "form-select"})
        field.widget.choices = field.choices


class UrgeForm(_Styled):
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class CancelForm(_Styled):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class EngineerStateForm(_Styled):
    state = forms.ChoiceField(label=_("State"), choices=EngineerState.State.choices)
    task = forms.ModelChoiceField(label=_("Current task"), queryset=Task.objects.none(), required=False)
    lat = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False,
                             widget=forms.HiddenInput)
    lng = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False,
                             widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = Task.objects.filter(assignee=user, status=Task.Status.OPEN).order_by("-pk")


def monday(day):
    return day - datetime.timedelta(days=day.weekday())


class BoardFilterForm(_Styled):
    """The boards' filters: branch, department, one employee, the week, the task type."""

    week = forms.DateField(label=_("Week of"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    employee = forms.CharField(label=_("Employee"), max_length=50, required=False)
    kind = forms.ChoiceField(label=_("Task type"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from xiuhao.org.models import Branch, Department

        self.fields["branch"].queryset = Branch.objects.for_choices(user)
        self.fields["department"].queryset = Department.objects.for_choices(user).select_related("branch")
        self.fields["kind"].choices = [("", "---------"), *task_type_choices()]

    def start(self):
        day = (self.cleaned_data.get("week") if self.is_valid() else None) or timezone.localdate()
        return monday(day)
