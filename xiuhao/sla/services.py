"""SLA services: which targets apply (sla_targets), the clock moves (start, pause, resume, stop,
cancel, reassign) and the writes of calendars and policies. Every move is a conditional UPDATE on
the clock's status and version, so of two people moving one clock at once exactly one wins.

Clocks are started, stopped and cancelled by domain services (a service request, the process
engine), which have checked their own permissions: those moves take an `actor` for the audit
trail only. Pause, resume and reassign are also done by people; for them the service checks the
change permission and data scope unless the calling domain service says `check=False`."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xiuhao.core import audit
from xiuhao.core import services as core_services
from xiuhao.core.errors import Conflict, PermissionDenied, ValidationFailed
from xiuhao.core.moves import transition
from xiuhao.core.scope import scope_q

from .calendar import ALWAYS, US_PER_MINUTE, WorkCalendar
from .models import (
    BusinessCalendar,
    ClockKind,
    Holiday,
    SlaAlert,
    SlaClock,
    SlaPause,
    SlaPolicy,
    WorkingPeriod,
)

ONE_US = datetime.timedelta(microseconds=1)
# The coverage engine's names for the contract service level → our clock kinds.
CONTRACT_HOURS = {"response": "response", "arrival": "onsite", "resolution": "repair"}


def _now(now):
    return now or timezone.now()


def _us(delta: datetime.timedelta) -> int:
    return delta // ONE_US


# -- calendars ---------------------------------------------------------------------------------------
_SPECS: dict = {}  # (calendar id, updated_at) → WorkCalendar; every change of a calendar bumps updated_at


def build_work_calendar(calendar: BusinessCalendar) -> WorkCalendar:
    periods = {}
    for period in calendar.periods.all():
        periods.setdefault(period.weekday, []).append((period.start_time, period.end_time))
    exceptions = {h.date: (None if h.kind == Holiday.Kind.HOLIDAY else h.works_as) for h in calendar.holidays.all()}
    return WorkCalendar(periods, exceptions, always=calendar.always_open, tz=timezone.get_default_timezone())


def work_calendar(calendar: BusinessCalendar | None) -> WorkCalendar:
    """The arithmetic of a calendar (24×7 when there is none), cached until the calendar changes.
    Prefetch `periods` and `holidays` when showing many clocks."""
    if calendar is None:
        return ALWAYS
    key = (calendar.pk, calendar.updated_at)
    cached = getattr(calendar, "_work_calendar", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    spec = _SPECS.get(key)
    if spec is None:
        spec = build_work_calendar(calendar)
        if len(_SPECS) > 512:
            _SPECS.clear()
        _SPECS[key] = spec
    calendar._work_calendar = (key, spec)
    return spec


def calendar_for_branch(branch) -> BusinessCalendar | None:
    """The branch's own calendar, else the default one (None: none configured → 24×7)."""
    branch_id = getattr(branch, "pk", branch)
    found = list(BusinessCalendar.objects.filter(Q(branch_id=branch_id) | Q(is_default=True)) if branch_id
                 else BusinessCalendar.objects.filter(is_default=True))
    found.sort(key=lambda c: c.branch_id is None)
    return found[0] if found else None


def _touch(calendar_id):
    BusinessCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())


# -- targets -----------------------------------------------------------------------------------------
@dataclass
class Targets:
    minutes: dict  # clock kind → business minutes (None: no clock of that kind)
    calendar: BusinessCalendar | None = None
    policy: SlaPolicy | None = None
    sources: dict = field(default_factory=dict)  # kind → "policy" | "contract:<code>" | "tier"
    reasons: list = field(default_factory=list)
    warn_pcts: tuple = (50, 80)
    escalate_after: tuple = (30, 120, 480)

    def as_dict(self):
        return {
            "minutes": dict(self.minutes),
            "calendar": ({"id": self.calendar.pk, "code": self.calendar.code, "name": self.calendar.name}
                         if self.calendar else None),
            "policy": {"id": self.policy.pk, "name": self.policy.name} if self.policy else None,
            "sources": dict(self.sources),
            "warn_pcts": list(self.warn_pcts),
            "escalate_after": list(self.escalate_after),
            "reasons": [str(r) for r in self.reasons],
        }


def matching_policies(*, request_type="", priority="", customer_tier="", branch=None):
    """Active policies whose every filled matching field equals the request's, most specific first."""
    branch_id = getattr(branch, "pk", branch)
    qs = SlaPolicy.objects.filter(is_active=True).filter(Q(branch__isnull=True) | Q(branch_id=branch_id))
    for name, value in (("request_type", request_type), ("priority", priority), ("customer_tier", customer_tier)):
        qs = qs.filter(Q(**{name: ""}) | Q(**{name: value or ""}))
    return sorted(qs.select_related("calendar"), key=lambda p: (-p.specificity, p.sequence, p.pk))


def _hours(minutes):
    return f"{minutes / 60:g}"


def sla_targets(*, request_type="", priority="", customer_tier="", branch=None, coverage=None) -> Targets:
    """The targets of a new request: the most specific matching policy (else the tier defaults of
    settings.SLA_DEFAULTS_BY_TIER), tightened by the contract's service level when the policy lets
    it, on the policy's calendar, else the branch's, else the default (else 24×7)."""
    policies = matching_policies(request_type=request_type, priority=priority, customer_tier=customer_tier,
                                 branch=branch)
    policy = policies[0] if policies else None
    if policy is not None:
        minutes = {kind: policy.minutes_for(kind) for kind in ClockKind.values}
        targets = Targets(minutes=minutes, policy=policy, warn_pcts=(policy.warn_first_pct, policy.warn_second_pct),
                          escalate_after=(policy.escalate_1_after, policy.escalate_2_after, policy.escalate_3_after))
        targets.sources = {kind: "policy" for kind, m in minutes.items() if m is not None}
        targets.reasons.append(_("SLA policy “%(name)s”: %(targets)s") % {
            "name": policy.name, "targets": _targets_text(minutes)})
    else:
        tier = customer_tier or "standard"
        table = getattr(settings, "SLA_DEFAULTS_BY_TIER", {})
        hours = {"response": 8, "onsite": 48, "repair": 72, **table.get(tier, table.get("standard", {}))}
        minutes = {kind: hours[name] * 60 for kind, name in CONTRACT_HOURS.items()}
        targets = Targets(minutes=minutes, sources=dict.fromkeys(minutes, "tier"))
        targets.reasons.append(_("No SLA policy matches: the defaults of the customer tier %(tier)s: %(targets)s") % {
            "tier": tier, "targets": _targets_text(minutes)})
    if coverage is not None and (policy is None or policy.use_contract_targets):
        for kind, name in CONTRACT_HOURS.items():
            source = coverage.sla_source.get(name)
            hours = getattr(coverage, f"{name}_hours", None)
            if not source or source == "tier" or hours is None or targets.minutes[kind] is None:
                continue
            if hours * 60 < targets.minutes[kind]:
                targets.minutes[kind] = hours * 60
                targets.sources[kind] = f"contract:{source}"
                targets.reasons.append(_("Contract %(code)s is stricter: %(kind)s %(hours)s h") % {
                    "code": source, "kind": ClockKind(kind).label, "hours": hours})
    calendar = policy.calendar if policy is not None and policy.calendar_id else None
    if calendar is not None:
        targets.reasons.append(_("Counted on the policy's calendar “%(name)s”") % {"name": calendar.name})
    else:
        calendar = calendar_for_branch(branch)
        if calendar is None:
            targets.reasons.append(_("No business calendar is configured: every hour counts (24×7)"))
        elif calendar.branch_id:
            targets.reasons.append(_("Counted on the branch's calendar “%(name)s”") % {"name": calendar.name})
        else:
            targets.reasons.append(_("Counted on the default calendar “%(name)s”") % {"name": calendar.name})
    targets.calendar = calendar
    return targets


def _targets_text(minutes):
    parts = [_("%(kind)s %(hours)s h") % {"kind": ClockKind(kind).label, "hours": _hours(m)}
             for kind, m in minutes.items() if m is not None]
    return _(", ").join(parts)


# -- clocks ------------------------------------------------------------------------------------------
def alert_plan(target_minutes, warn_pcts=(50, 80), escalate_after=(30, 120, 480)):
    """[[level, business seconds from the start], …] in the order they come due."""
    target = target_minutes * 60
    plan = [[SlaAlert.Level.WARN_1.value, target * warn_pcts[0] // 100],
            [SlaAlert.Level.WARN_2.value, target * warn_pcts[1] // 100],
            [SlaAlert.Level.BREACH.value, target]]
    for level, delay in zip((SlaAlert.Level.ESCALATE_1, SlaAlert.Level.ESCALATE_2, SlaAlert.Level.ESCALATE_3),
                            escalate_after, strict=True):
        plan.append([level.value, target + delay * 60])
    return sorted(plan, key=lambda row: row[1])


def next_alert_at(clock, cal, *, anchor, used, sent):
    """When the first level not yet sent comes due (None: every level sent)."""
    for level, seconds in clock.plan:
        if level in sent:
            continue
        need = seconds * 1_000_000 - _us(used)
        return anchor if need <= 0 else cal.add_us(anchor, need)
    return None


def used_at(clock, now, cal=None):
    """Business time the clock has used by `now`."""
    if clock.status != SlaClock.Status.RUNNING:
        return clock.used
    cal = cal or work_calendar(clock.calendar)
    return clock.used + max(datetime.timedelta(0), cal.business_time_between(clock.resumed_at, now))


def _snapshot(clock):
    return {k: str(v) if isinstance(v, datetime.timedelta) else v for k, v in audit.snapshot(clock).items()}


def _record(actor, clock, verb, changes, message=""):
    audit.record(actor=actor, action="action", obj=clock, verb=verb, changes=changes, message=message)


R = SlaClock.Refusals


def _guard(actor, clock, move, check):
    """A person's move: the move's permission, status (SlaClock.moves) and the data scope."""
    if not check or actor is None:
        return
    core_services.require_perm(actor, SlaClock, SlaClock.moves[move].permission)
    core_services.require_visible(actor, clock)
    SlaClock.moves.check(actor, clock, move)


def _move(clock, to, verb, actor, message="", **values):
    """The move (core.moves.transition): a conditional UPDATE from the status and version the
    caller read, and its audit event. Returns the status it came from."""
    old = clock.status
    transition(clock, to=to, actor=actor, verb=verb, message=message, match={"version": clock.version},
               values={"version": F("version") + 1, **values})
    return old


def clock_start(*, actor, target, kind, minutes, calendar=None, policy=None, owner=None, branch=None,
                now=None, warn_pcts=None, escalate_after=None, label=None) -> SlaClock:
    """Start a clock of `kind` on `target` (any model instance) with `minutes` business minutes.
    One open clock per kind per record (a second start is refused with 409)."""
    now = _now(now)
    if kind not in ClockKind.values:
        raise ValidationFailed(fields={"kind": [_("Unknown clock kind.")]})
    if not minutes or minutes <= 0:
        raise ValidationFailed(fields={"minutes": [_("The target must be at least one minute.")]})
    if policy is not None:
        warn_pcts = warn_pcts or (policy.warn_first_pct, policy.warn_second_pct)
        escalate_after = escalate_after or (policy.escalate_1_after, policy.escalate_2_after, policy.escalate_3_after)
    cal = work_calendar(calendar)
    clock = SlaClock(
        content_type=ContentType.objects.get_for_model(target, for_concrete_model=False), object_id=str(target.pk),
        target_label=(label or str(target))[:200], kind=kind, policy=policy, calendar=calendar, owner=owner,
        branch=branch if branch is not None else getattr(owner, "branch", None), started_at=now,
        target_minutes=int(minutes), resumed_at=now,
        plan=alert_plan(int(minutes), warn_pcts or (50, 80), escalate_after or (30, 120, 480)),
    )
    try:
        clock.due_at = cal.add_business(now, int(minutes))
    except ValueError as exc:
        raise ValidationFailed(_("The calendar has no working time to count the target on.")) from exc
    clock.next_alert_at = next_alert_at(clock, cal, anchor=now, used=datetime.timedelta(0), sent=())
    try:
        with transaction.atomic():
            clock.save()
            audit.record(actor=actor, action="create", obj=clock, after=_snapshot(clock), verb="sla_clock_start")
    except IntegrityError as exc:
        raise R.ALREADY_RUNNING(kind=ClockKind(kind).label) from exc
    return clock


def clocks_start(*, actor, target, targets: Targets, owner=None, branch=None, now=None, label=None):
    """Start one clock per kind that `targets` sets (what a new service request does)."""
    return [clock_start(actor=actor, target=target, kind=kind, minutes=minutes, calendar=targets.calendar,
                        policy=targets.policy, owner=owner, branch=branch, now=now, label=label,
                        warn_pcts=targets.warn_pcts, escalate_after=targets.escalate_after)
            for kind, minutes in targets.minutes.items() if minutes]


@SlaClock.moves.implements("pause")
def clock_pause(*, actor, clock, reason, note="", now=None, check=True) -> SlaClock:
    """Stop counting (waiting for the customer / for parts) — audited with the reason."""
    now = _now(now)
    _guard(actor, clock, "pause", check)
    if reason not in SlaPause.Reason.values:
        raise R.PAUSE_REASON_MISSING()
    if reason == SlaPause.Reason.OTHER and not (note or "").strip():
        raise R.PAUSE_NOTE_MISSING()
    with transaction.atomic():
        used = used_at(clock, now)
        _move(clock, SlaClock.Status.PAUSED, "sla_clock_pause", actor,
              message=f"{SlaPause.Reason(reason).label} {note}".strip(), used=used, paused_at=now,
              next_alert_at=None)
        if SlaPause.objects.filter(clock=clock, ended_at__isnull=True).exists():  # a pause left open: refuse
            raise R.ALREADY_PAUSED()
        SlaPause.objects.create(clock=clock, reason=reason, note=(note or "")[:255], started_at=now,
                                actor=actor if getattr(actor, "is_authenticated", False) else None)
    return clock


@SlaClock.moves.implements("resume")
def clock_resume(*, actor, clock, now=None, check=True) -> SlaClock:
    """Count again from `now`; the due time moves later by the business time the pause took."""
    now = _now(now)
    _guard(actor, clock, "resume", check)
    cal = work_calendar(clock.calendar)
    with transaction.atomic():
        paused_for = max(datetime.timedelta(0), cal.business_time_between(clock.paused_at, now)) \
            if clock.paused_at else datetime.timedelta(0)
        left = datetime.timedelta(minutes=clock.target_minutes) - clock.used
        due_at = cal.add_business(now, left) if left > datetime.timedelta(0) else clock.due_at
        sent = set(clock.alerts.values_list("level", flat=True))
        nxt = next_alert_at(clock, cal, anchor=now, used=clock.used, sent=sent)
        _move(clock, SlaClock.Status.RUNNING, "sla_clock_resume", actor, resumed_at=now, paused_at=None,
              due_at=due_at, next_alert_at=nxt, paused_time=clock.paused_time + paused_for)
        SlaPause.objects.filter(clock=clock, ended_at__isnull=True).update(
            ended_at=now, business_time=paused_for,
            ended_by=actor if getattr(actor, "is_authenticated", False) else None)
    return clock


def _finish(actor, clock, to, now, verb):
    used = used_at(clock, now)
    with transaction.atomic():
        old = _move(clock, to, verb, actor, used=used, stopped_at=now, next_alert_at=None, paused_at=None)
        if old == SlaClock.Status.PAUSED:
            SlaPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=now)
    return clock


def clock_stop(*, actor, clock, now=None) -> SlaClock:
    """The timed thing happened (responded, arrived, resolved): met within the target, else breached."""
    now = _now(now)
    to = SlaClock.Status.MET if used_at(clock, now) <= datetime.timedelta(minutes=clock.target_minutes) \
        else SlaClock.Status.BREACHED
    return _finish(actor, clock, to, now, "sla_clock_stop")


def clock_cancel(*, actor, clock, now=None) -> SlaClock:
    return _finish(actor, clock, SlaClock.Status.CANCELLED, _now(now), "sla_clock_cancel")


def clock_reassign_owner(*, actor, clock, owner, check=True) -> SlaClock:
    """Escalations go to the new owner (and their manager) from now on; levels sent stay sent."""
    if check and actor is not None:
        core_services.require_perm(actor, SlaClock, "change")
        core_services.require_visible(actor, clock)
    if not clock.is_open:
        raise R.NOT_OPEN()
    old = str(clock.owner) if clock.owner_id else None
    with transaction.atomic():
        done = SlaClock.objects.filter(pk=clock.pk, status__in=SlaClock.OPEN, version=clock.version).update(
            owner=owner, version=F("version") + 1, updated_at=timezone.now())
        if not done:
            raise Conflict()
        clock.owner, clock.version = owner, clock.version + 1
        _record(actor, clock, "sla_clock_reassign", {"owner": [old, str(owner) if owner else None]})
    return clock


def clocks_for(target):
    ct = ContentType.objects.get_for_model(target, for_concrete_model=False)
    return SlaClock.objects.filter(content_type=ct, object_id=str(target.pk))


# -- alerts ------------------------------------------------------------------------------------------
def _active(user):
    return user if user is not None and user.is_active else None


def alert_recipient(clock, level):
    """warnings, breach and escalation 1 → the owner; 2 → the owner's department leader;
    3 → the branch head (of the clock's branch, else the owner's)."""
    owner = clock.owner
    if level == SlaAlert.Level.ESCALATE_2:
        department = owner.department if owner is not None and owner.department_id else None
        return _active(department.leader) if department is not None and department.leader_id else None
    if level == SlaAlert.Level.ESCALATE_3:
        branch = clock.branch if clock.branch_id else (owner.branch if owner is not None and owner.branch_id else None)
        return _active(branch.manager) if branch is not None and branch.manager_id else None
    return _active(owner)


def alerts_send(*, now=None, batch=200) -> int:
    """Send every alert level that has come due, each once per clock — whether two workers run
    at once or the runner was down for hours (then every level due fires once, in order)."""
    now = _now(now)
    sent, seen = 0, set()
    while True:
        ids = list(SlaClock.objects.filter(status=SlaClock.Status.RUNNING, next_alert_at__lte=now)
                   .exclude(pk__in=seen).order_by("next_alert_at", "pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return sent
        for pk in ids:
            seen.add(pk)
            sent += _alert_clock(pk, now)


def _alert_clock(pk, now):
    with transaction.atomic():
        clock = (SlaClock.objects.select_related("calendar", "owner__department__leader", "owner__branch__manager",
                                                 "branch__manager").filter(pk=pk).first())
        if clock is None or clock.status != SlaClock.Status.RUNNING or clock.next_alert_at is None \
                or clock.next_alert_at > now:
            return 0
        cal = work_calendar(clock.calendar)
        used = used_at(clock, now, cal)
        sent = set(clock.alerts.values_list("level", flat=True))
        due = [(level, seconds) for level, seconds in clock.plan
               if level not in sent and seconds * 1_000_000 <= _us(used)]
        nxt = next_alert_at(clock, cal, anchor=clock.resumed_at, used=clock.used,
                            sent=sent | {level for level, _s in due})
        # Claims the clock row (PostgreSQL: a twin worker waits here) and loses to a pause or stop
        # that moved the clock since it was read.
        if not SlaClock.objects.filter(pk=pk, status=SlaClock.Status.RUNNING, version=clock.version) \
                .update(next_alert_at=nxt):
            return 0
        count = 0
        percent = int(_us(used) * 100 // (clock.target_minutes * US_PER_MINUTE))
        for level, _seconds in due:
            recipient = alert_recipient(clock, level)
            try:
                with transaction.atomic():
                    SlaAlert.objects.create(clock=clock, level=level, percent=percent, recipient=recipient, sent_at=now)
            except IntegrityError:
                continue  # sent before, by an earlier run or a twin running now
            count += 1
            if recipient is not None:
                _notify(clock, level, recipient, percent)
        return count


def _notify(clock, level, recipient, percent):
    from django.utils import translation

    from xiuhao.core.notify import notify
    from xiuhao.core.registry import registry

    target = clock.target if clock.content_type_id else None
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else \
        registry.configs["sla.slaclock"].url("detail", clock)
    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        level_label = SlaAlert.Level(level).label
        due = timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M") if clock.due_at else "—"
        notify(recipients=[recipient], kind="sla_alert", url=url, level=level, clock=clock.pk,
               subject=_("SLA %(level)s: %(clock)s") % {"level": level_label, "clock": clock},
               body=_("%(kind)s of %(what)s: %(percent)s %% of the target used; due %(due)s.") % {
                   "kind": clock.get_kind_display(), "what": clock.target_label, "percent": percent, "due": due})


# -- calendars and policies (registry writes) ---------------------------------------------------------
def sees_all(actor, model):
    return getattr(actor, "is_superuser", False) or scope_q(model, actor) is None


def _branch_of(obj):
    if isinstance(obj, WorkingPeriod | Holiday):
        return obj.calendar.branch_id if obj.calendar_id else None
    return obj.branch_id


def _shared_rule(actor, obj, was_shared=False):
    """Company-wide calendars and policies (no branch) apply to every branch: only someone who
    sees all data may create or change them."""
    if (was_shared or _branch_of(obj) is None) and not sees_all(actor, type(obj)):
        raise PermissionDenied(_("Company-wide calendars and policies are changed by head office only."))


def _hook(actor, data, was_shared=False, old_calendar=None):
    def before_save(obj):
        if "branch" in data and hasattr(obj, "branch_id") and sees_all(actor, type(obj)):
            obj.branch = data["branch"]  # head office may leave it empty: company-wide
        _shared_rule(actor, obj, was_shared)
        if isinstance(obj, WorkingPeriod | Holiday):
            _lock_calendars(obj.calendar_id, old_calendar)

    return before_save


def _lock_calendars(*ids):
    """Lock the calendars a period or holiday is written to, before the overlap check in the
    model's clean() reads their rows: a second writer waits here for the first one's commit and
    then sees its row (without the lock, simultaneous overlapping periods were all stored)."""
    ids = sorted({pk for pk in ids if pk})
    if ids:
        list(BusinessCalendar.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def sla_object_create(*, actor, model, data):
    with transaction.atomic():
        obj = core_services.object_create(actor=actor, model=model, data=data, before_save=_hook(actor, data))
        if isinstance(obj, WorkingPeriod | Holiday):
            _touch(obj.calendar_id)
    return obj


def sla_object_update(*, actor, obj, data):
    was_shared = type(obj)._default_manager.filter(pk=obj.pk).first()
    was_shared = was_shared is not None and _branch_of(was_shared) is None
    old_calendar = getattr(obj, "calendar_id", None)
    with transaction.atomic():
        obj = core_services.object_update(actor=actor, obj=obj, data=data,
                                          before_save=_hook(actor, data, was_shared, old_calendar))
        if isinstance(obj, WorkingPeriod | Holiday):
            _touch(obj.calendar_id)
            if old_calendar and old_calendar != obj.calendar_id:
                _touch(old_calendar)
    return obj


def sla_object_delete(*, actor, obj):
    _shared_rule(actor, obj)
    calendar_id = getattr(obj, "calendar_id", None) if isinstance(obj, WorkingPeriod | Holiday) else None
    with transaction.atomic():
        text = core_services.object_delete(actor=actor, obj=obj)
        if calendar_id:
            _touch(calendar_id)
    return text
