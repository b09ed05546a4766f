"""Pages of the SLA beyond the registry's CRUD and the clocks' declared moves (models.SlaClock.moves):
try a calendar, and the tabs of calendars and clocks."""

import datetime

from django import forms
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import Weekday
from .selectors import remaining

TEXT = forms.TextInput(attrs={"class": "form-control"})


class TryForm(forms.Form):
    start = forms.DateTimeField(label=gettext_lazy("Start"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"},
                                                           format="%Y-%m-%dT%H:%M"))
    minutes = forms.IntegerField(label=gettext_lazy("Business minutes"), min_value=0, max_value=60 * 24 * 366,
                                 widget=forms.NumberInput(attrs={"class": "form-control"}))


def try_calendar(request, config, calendar):
    """Start + business minutes → due, on this calendar (to check a set-up)."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = TryForm(request.GET or None, initial={"start": now, "minutes": 240})
    result = None
    if form.is_bound and form.is_valid():
        start = form.cleaned_data["start"]
        start = timezone.make_aware(start) if timezone.is_naive(start) else start
        try:
            due = services.work_calendar(calendar).add_business(start, form.cleaned_data["minutes"])
        except (ValueError, OverflowError):
            form.add_error(None, _("The calendar has no working time to count the target on."))
        else:
            result = {"start": start, "due": timezone.localtime(due), "minutes": form.cleaned_data["minutes"],
                      "wall": timezone.localtime(due) - timezone.localtime(start)}
    context = {
        "form": form, "object": calendar, "config": config, "title": _("Test the calendar"), "result": result,
        "breadcrumbs": [(config.title, config.url("list")),
                        (str(calendar), config.url("detail", calendar)), (_("Test the calendar"), None)],
    }
    return TemplateResponse(request, "sla/try_calendar.html", context, status=400 if form.errors else 200)


# -- tabs ------------------------------------------------------------------------------------------
def periods_tab(calendar, request):
    periods = list(calendar.periods.all())
    days = [(label, [p for p in periods if p.weekday == value]) for value, label in Weekday.choices]
    return {"days": days, "calendar": calendar,
            "can_add": request.user.has_perm("sla.add_workingperiod") and not calendar.always_open}


def holidays_tab(calendar, request):
    year = request.GET.get("year", "")
    holidays = calendar.holidays.order_by("date")
    if year.isdigit() and len(year) == 4:
        holidays = holidays.filter(date__year=int(year))
    years = sorted({d.year for d in calendar.holidays.dates("date", "year")})
    return {"holidays": holidays, "years": years, "year": year, "calendar": calendar,
            "can_add": request.user.has_perm("sla.add_holiday")}


def clock_tab(clock, request):
    return {"clock": clock, "r": remaining(clock),
            "pauses": clock.pauses.select_related("actor", "ended_by").order_by("started_at"),
            "alerts": clock.alerts.select_related("recipient").order_by("sent_at", "pk")}


def week_hours(calendar):
    total = services.work_calendar(calendar).week_total
    return datetime.timedelta(microseconds=total)
