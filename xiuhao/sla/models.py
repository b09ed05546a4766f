"""SLA: business calendars, policies that choose targets, clocks that time a record, their pauses
and the alerts sent along the escalation chain (docs/sla.md)."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiuhao.core import constraints
from xiuhao.core.models import TimeStampedModel
from xiuhao.core.moves import Move, Refusal, StateMachine
from xiuhao.core.scope import ScopedQuerySet, ScopeFields, scope_q

from . import forms


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SharedOrBranchQuerySet(ScopedQuerySet):
    """Calendars and policies of a branch are seen as the data scope says; company-wide ones
    (no branch) by every employee — they apply to everyone. Outlet users see none."""

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        q = scope_q(self.model, user)
        if q is None:
            return self
        if user.outlet_id:
            return self.filter(q)
        return self.filter(q | Q(**{f"{self.model.scope_fields.branch}__isnull": True}))


SharedOrBranchManager = models.Manager.from_queryset(SharedOrBranchQuerySet)


class BusinessCalendar(TimeStampedModel):
    """Working hours per weekday (several periods a day = breaks), holidays and make-up working
    days 调休. A branch uses its own calendar, else the default one."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    branch = models.OneToOneField("org.Branch", verbose_name=_("branch"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="sla_calendar",
                                  help_text=_("The branch that works by this calendar. Empty: company-wide."))
    is_default = models.BooleanField(_("default calendar"), default=False,
                                     help_text=_("Used by branches without a calendar of their own."))
    always_open = models.BooleanField(_("24×7"), default=False,
                                      help_text=_("Every hour of every day counts; periods and holidays are ignored."))
    remark = models.CharField(_("remark"), max_length=255, blank=True)

    objects = SharedOrBranchManager()
    scope_fields = ScopeFields(branch="branch", department=None, owner=None)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["-is_default", "code"]
        permissions = [("export_businesscalendar", _("Can export business calendars")),
                       ("import_businesscalendar", _("Can import business calendars"))]
        constraints = [
            constraints.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_calendar",
            field="is_default", message=_("Another calendar is already the default.")),
            constraints.CheckConstraint(condition=Q(is_default=False) | Q(branch__isnull=True),
                                   name="sla_default_calendar_company_wide",
            field="branch", message=_("The default calendar must be company-wide (no branch).")),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.is_default and self.branch_id:
            raise ValidationError({"branch": _("The default calendar is company-wide: leave the branch empty.")})


class WorkingPeriod(TimeStampedModel):
    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE,
                                 related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"), help_text=_("00:00 means midnight at the end of the day."))

    objects = SharedOrBranchManager()
    scope_fields = ScopeFields.via("calendar")

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "weekday", "start_time"]
        constraints = [
            constraints.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")) | Q(end_time=datetime.time(0)),
                                   name="sla_period_ends_after_start",
            field="end_time", message=_("The period must end after it starts.")),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def end_of_day_time(self):
        return datetime.time.max if self.end_time == datetime.time(0) else self.end_time

    def clean(self):
        if self.start_time is None or self.end_time is None or self.weekday is None:
            return
        if self.end_time != datetime.time(0) and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("The period must end after it starts.")})
        if not self.calendar_id:
            return
        for other in WorkingPeriod.objects.filter(calendar_id=self.calendar_id, weekday=self.weekday).exclude(pk=self.pk):
            if self.start_time < other.end_of_day_time and other.start_time < self.end_of_day_time:
                raise ValidationError({"start_time": _("The period overlaps %(other)s.") % {"other": other}})


class Holiday(TimeStampedModel):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")  # nobody works that day, whatever its weekday
        WORKDAY = "workday", _("Make-up working day")  # 调休: works with the periods of `works_as`

    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE,
                                 related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.HOLIDAY)
    works_as = models.PositiveSmallIntegerField(_("works like"), choices=Weekday.choices, default=Weekday.MONDAY,
                                                help_text=_("For a make-up working day: whose working hours apply."))

    objects = SharedOrBranchManager()
    scope_fields = ScopeFields.via("calendar")

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["calendar", "date"]
        constraints = [constraints.UniqueConstraint(fields=["calendar", "date"], name="sla_holiday_unique_date",
            field="date", message=_("This date is already in the calendar."))]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class RequestType(models.TextChoices):
    """Service request types (PRODUCT.md §7); the service module will send these codes."""

    INSTALLATION = "installation", _("Installation")
    REPAIR = "repair", _("Repair")
    RMA = "rma", _("Return for repair (RMA)")
    CONSULTATION = "consultation", _("Consultation")
    COMPLAINT = "complaint", _("Complaint")
    PM = "pm", _("Preventive maintenance")
    REMOTE = "remote", _("Remote support")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class ClockKind(models.TextChoices):
    RESPONSE = "response", _("Response")
    ARRIVAL = "arrival", _("On-site arrival")
    RESOLUTION = "resolution", _("Resolution")


def _tiers():
    from xiuhao.customers.models import Customer

    return Customer.Tier.choices


MINUTES = [MinValueValidator(1), MaxValueValidator(60 * 24 * 366)]
PERCENT = [MinValueValidator(1), MaxValueValidator(99)]
DELAY = [MinValueValidator(0), MaxValueValidator(60 * 24 * 366)]


class SlaPolicy(TimeStampedModel):
    """Targets per clock kind for the requests it matches. Blank matching fields mean "any"; of
    the active policies that match, the most specific wins (then the lowest sequence)."""

    MATCH_FIELDS = ("branch", "request_type", "priority", "customer_tier")

    name = models.CharField(_("name"), max_length=100)
    sequence = models.PositiveIntegerField(_("sequence"), default=100,
                                           help_text=_("Among equally specific policies the lowest number wins."))
    is_active = models.BooleanField(_("active"), default=True)
    branch = models.ForeignKey("org.Branch", verbose_name=_("branch"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               help_text=_("Requests of this branch only. Empty: every branch."))
    request_type = models.CharField(_("request type"), max_length=20, choices=RequestType.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, blank=True)
    customer_tier = models.CharField(_("customer tier"), max_length=20, choices=_tiers(), blank=True)
    use_contract_targets = models.BooleanField(
        _("contract targets win when stricter"), default=True,
        help_text=_("A service contract's response/on-site/repair hours replace the targets below when shorter."))
    response_minutes = models.PositiveIntegerField(_("response (minutes)"), null=True, blank=True, validators=MINUTES)
    arrival_minutes = models.PositiveIntegerField(_("on-site arrival (minutes)"), null=True, blank=True,
                                                  validators=MINUTES)
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"), null=True, blank=True,
                                                     validators=MINUTES)
    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="policies",
                                 help_text=_("Empty: the calendar of the request's branch, else the default."))
    warn_first_pct = models.PositiveSmallIntegerField(_("first warning at (%)"), default=50, validators=PERCENT)
    warn_second_pct = models.PositiveSmallIntegerField(_("second warning at (%)"), default=80, validators=PERCENT)
    escalate_1_after = models.PositiveIntegerField(_("escalate to the assignee after (minutes overdue)"),
                                                   default=30, validators=DELAY)
    escalate_2_after = models.PositiveIntegerField(_("escalate to the manager after (minutes overdue)"),
                                                   default=120, validators=DELAY)
    escalate_3_after = models.PositiveIntegerField(_("escalate to the branch head after (minutes overdue)"),
                                                   default=480, validators=DELAY)

    objects = SharedOrBranchManager()
    scope_fields = ScopeFields(branch="branch", department=None, owner=None)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["sequence", "name"]
        permissions = [("export_slapolicy", _("Can export SLA policies")),
                       ("import_slapolicy", _("Can import SLA policies"))]
        constraints = [
            constraints.CheckConstraint(condition=Q(warn_first_pct__lt=models.F("warn_second_pct")),
                                   name="sla_policy_warnings_in_order",
            field="warn_second_pct", message=_("The second warning must come after the first.")),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if not any([self.response_minutes, self.arrival_minutes, self.resolution_minutes]):
            errors["response_minutes"] = _("Give at least one target.")
        if self.warn_first_pct is not None and self.warn_second_pct is not None \
                and self.warn_first_pct >= self.warn_second_pct:
            errors["warn_second_pct"] = _("The second warning must come after the first.")
        delays = [self.escalate_1_after, self.escalate_2_after, self.escalate_3_after]
        if None not in delays and delays != sorted(delays):
            errors["escalate_2_after"] = _("Escalation levels must come in order: assignee, manager, branch head.")
        if errors:
            raise ValidationError(errors)

    @property
    def specificity(self):
        return sum(1 for name in self.MATCH_FIELDS if getattr(self, f"{name}_id" if name == "branch" else name))

    def minutes_for(self, kind):
        return getattr(self, f"{kind}_minutes")


class SlaClock(TimeStampedModel):
    """Times one thing (a service request, a task…) against a target in business minutes."""

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("SLA clock", "Running")  # counting working time → PAUSED, MET, BREACHED, CANCELLED
        PAUSED = "paused", _("Paused")  # waiting for the customer or for parts → RUNNING, MET, BREACHED, CANCELLED
        MET = "met", _("Met")  # stopped within the target; final
        BREACHED = "breached", _("Breached")  # stopped after the target; final
        CANCELLED = "cancelled", _("Cancelled")  # the timed thing was withdrawn; final

    OPEN = (Status.RUNNING, Status.PAUSED)

    # Refusals a client may act on (stable codes; messages in the user's language).
    class Refusals:
        ALREADY_PAUSED = Refusal("clock_already_paused", _("The clock is already paused."))
        ALREADY_RUNNING = Refusal("clock_already_running", _("A %(kind)s clock is already running for this record."))
        NOT_OPEN = Refusal("clock_not_open", _("Only a running or paused clock changes hands."))
        PAUSE_REASON_MISSING = Refusal("clock_pause_reason_missing", _("Choose why the clock is paused."),
                                       field="reason")
        PAUSE_NOTE_MISSING = Refusal("clock_pause_note_missing", _("Say why the clock is paused."), field="note")

    # The moves (services.py implements them with conditional updates on status and version).
    # Stopping (met or breached, by the time used) and cancelling are made by the modules that
    # own the timed record, not from the clock's page.
    moves = StateMachine(
        Move("pause", _("Pause"), sources=[Status.RUNNING], target=Status.PAUSED, form=forms.PauseForm,
             verb="sla_clock_pause",
             intro=_("While paused the clock does not count; the due time moves later by the pause."),
             refusals=[Refusals.ALREADY_PAUSED, Refusals.PAUSE_REASON_MISSING, Refusals.PAUSE_NOTE_MISSING]),
        Move("resume", _("Resume"), sources=[Status.PAUSED], target=Status.RUNNING, verb="sla_clock_resume",
             intro=_("The clock counts again from now.")),
        Move("stop-met", _("Met"), sources=OPEN, target=Status.MET, verb="sla_clock_stop", system=True),
        Move("stop-breached", _("Breached"), sources=OPEN, target=Status.BREACHED, verb="sla_clock_stop",
             system=True),
        Move("cancel", _("Cancelled"), sources=OPEN, target=Status.CANCELLED, verb="sla_clock_cancel", system=True),
        subject="clock",
    )

    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("record ID"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    target_label = models.CharField(_("timed record"), max_length=200, blank=True)
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="clocks")
    calendar = models.ForeignKey(BusinessCalendar, verbose_name=_("calendar"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="clocks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    branch = models.ForeignKey("org.Branch", verbose_name=_("branch"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    target_minutes = models.PositiveIntegerField(_("target (minutes)"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True,
                                  help_text=_("Wall time; moved later by each pause."))
    # Business time used before `resumed_at` (start or last resume); the running part is counted live.
    used = models.DurationField(_("business time used"), default=datetime.timedelta)
    resumed_at = models.DateTimeField(_("counting since"))
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_time = models.DurationField(_("business time paused"), default=datetime.timedelta)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    # The alert levels with their offsets in business seconds from the start: [[level, seconds], …].
    plan = models.JSONField(_("alert plan"), default=list, blank=True)
    next_alert_at = models.DateTimeField(_("next alert at"), null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope_fields = ScopeFields(branch="branch", department="owner__department", owner="owner",
                               outlet="owner__outlet")

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["due_at", "pk"]
        permissions = [("export_slaclock", _("Can export SLA clocks"))]
        indexes = [models.Index(fields=["content_type", "object_id"], name="sla_clock_target"),
                   models.Index(fields=["status", "next_alert_at"], name="sla_clock_alert_due")]
        constraints = [
            # One open clock per kind per record: starting it twice at once leaves one.
            constraints.UniqueConstraint(fields=["content_type", "object_id", "kind"],
                                    condition=Q(status__in=["running", "paused"]), name="sla_one_open_clock",
            message=_("This record already has a running clock of this kind.")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.target_label or self.object_id}"

    @property
    def is_open(self):
        return self.status in self.OPEN


class SlaPause(TimeStampedModel):
    class Reason(models.TextChoices):
        WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
        WAITING_PARTS = "waiting_parts", _("Waiting for parts")
        OTHER = "other", _("Other")

    clock = models.ForeignKey(SlaClock, verbose_name=_("SLA clock"), on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("paused by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resumed by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    business_time = models.DurationField(_("business time paused"), null=True, blank=True)

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope_fields = ScopeFields.via("clock")

    class Meta:
        verbose_name = _("SLA pause")
        verbose_name_plural = _("SLA pauses")
        ordering = ["-started_at", "-pk"]
        constraints = [constraints.UniqueConstraint(fields=["clock"], condition=Q(ended_at__isnull=True),
                                               name="sla_one_open_pause",
            message=_("The clock is already paused."))]

    def __str__(self):
        return f"{self.clock} · {self.get_reason_display()}"


class SlaAlert(models.Model):
    """One level of warning or escalation of one clock, sent once (the unique row is the claim)."""

    class Level(models.TextChoices):
        WARN_1 = "warn_1", _("First warning")  # e.g. 50 % of the target used
        WARN_2 = "warn_2", _("Second warning")  # e.g. 80 %
        BREACH = "breach", _("Target reached")  # 100 %: overdue from now on
        ESCALATE_1 = "escalate_1", _("Escalated to the assignee")
        ESCALATE_2 = "escalate_2", _("Escalated to the manager")
        ESCALATE_3 = "escalate_3", _("Escalated to the branch head")

    clock = models.ForeignKey(SlaClock, verbose_name=_("SLA clock"), on_delete=models.CASCADE, related_name="alerts")
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    percent = models.PositiveIntegerField(_("time used (%)"), default=0)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent at"))

    objects = models.Manager.from_queryset(ScopedQuerySet)()
    scope_fields = ScopeFields.via("clock")

    class Meta:
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        ordering = ["-sent_at", "-pk"]
        constraints = [constraints.UniqueConstraint(fields=["clock", "level"], name="sla_alert_once_per_level",
            message=_("This alert was already raised."))]

    def __str__(self):
        return f"{self.clock} · {self.get_level_display()}"
