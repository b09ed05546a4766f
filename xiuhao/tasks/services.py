"""Writes of the Task Centre: create, claim 抢任务, complete, transfer 转派, return 退回, urge 催单,
reassign, cancel; the engineers' state.

Every move is a conditional UPDATE on the status (and assignee) that was read, so that of two
people acting on one task at once exactly one wins — the database settles the race, the loser
gets a Conflict with a plain message. Each move writes a TaskEvent and an audit event in the same
transaction; notifications leave after commit (core.notify).

`actor=None` means the system (the process engine, a job): permission checks are skipped.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xiuhao.core import audit
from xiuhao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.moves import transition
from xiuhao.core.notify import notify

from . import hooks, selectors
from .models import EngineerState, Priority, Task, TaskEvent
from .types import GENERIC, get_task_type

URGE_INTERVAL = timezone.timedelta(minutes=10)  # one urge per task per 10 minutes is enough
POOL_NOTICE_LIMIT = 200  # a pool task tells at most this many candidates; the rest see it in 抢任务
CANDIDATE_FIELDS = ("candidate_role", "candidate_department", "candidate_region", "candidate_skill")


# -- helpers ------------------------------------------------------------------------------------------
def _is_user(actor):
    return actor is not None and getattr(actor, "is_authenticated", False)


def _invalid(field, message):
    return ValidationFailed(fields={field: [message]})


def _reason(reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(field, _("Please give a reason."))
    return reason[:255]


def task_link(task):
    try:
        return reverse("tasks_work", kwargs={"pk": task.pk})
    except NoReverseMatch:
        return task.url or ""


def _event_row(task, action, actor, *, from_user=None, to_user=None, reason=""):
    return TaskEvent(task=task, action=action, actor=actor if _is_user(actor) else None,
                     from_user=from_user, to_user=to_user, reason=(reason or "")[:255])


def _fresh(task):
    fresh = Task.objects.select_related("assignee", "created_by").filter(pk=task.pk).first()
    if fresh is None:
        raise NotFound()
    return fresh


def _sync(task, fresh):
    """Copy the stored row onto the caller's instance (callers keep using their object)."""
    for f in Task._meta.concrete_fields:
        setattr(task, f.attname, getattr(fresh, f.attname))  # a changed FK id drops the cached object
    return task


R = Task.Refusals


def _refuse(task, move):
    """The plain message for a move on a task that is no longer where the actor saw it."""
    return Task.moves.refuse(task, Task.moves[move])


@Task.moves.record_history
def _record_event(task, *, verb, actor, before, after, reason):
    """The task's history row of a move made by `transition` (who had it before, who has it now)."""
    if "assignee" in before:
        from_id, to_id = before["assignee"], after["assignee"]
    elif verb == "urge":
        from_id, to_id = None, task.assignee_id
    else:
        from_id, to_id = task.assignee_id, None
    TaskEvent.objects.create(task=task, action=EVENTS[verb], actor=actor if _is_user(actor) else None,
                             from_user_id=from_id, to_user_id=to_id, reason=(reason or "")[:255])


EVENTS = {"claim": TaskEvent.Action.CLAIMED, "complete": TaskEvent.Action.COMPLETED,
          "transfer": TaskEvent.Action.TRANSFERRED, "return": TaskEvent.Action.RETURNED,
          "urge": TaskEvent.Action.URGED, "reassign": TaskEvent.Action.REASSIGNED,
          "cancel": TaskEvent.Action.CANCELLED}


def _move(task, fresh, *, to, actor, verb, match=None, values=None, reason="", message=""):
    """Make a move on `fresh` (the row read in this transaction): the conditional UPDATE, history
    row and audit event of core.moves.transition; the caller's `task` object gets the new row."""
    try:
        transition(fresh, to=to, actor=actor, verb=verb, match=match, values=values, reason=reason,
                   message=message)
    except Conflict as exc:  # lost a race: say what happened when the task moved on meanwhile
        now = _fresh(task)
        if exc.code == "conflict" and now.status != fresh.status:
            raise _refuse(now, verb) from None
        raise
    return _sync(task, fresh)


def _active_user(user, field):
    User = get_user_model()
    if user is None:
        raise _invalid(field, _("Please choose a person."))
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first()
    if user is None or not user.is_active:
        raise _invalid(field, _("This person does not exist or is no longer active."))
    return user


def _may_hand_to(actor, to_user):
    """Whom a user may pass a task to: people within their data scope or their own branch; outlet
    users only within their outlet."""
    if actor is None or actor.is_superuser:
        return True
    if actor.outlet_id:
        return to_user.outlet_id == actor.outlet_id
    if actor.branch_id and to_user.branch_id == actor.branch_id and not to_user.outlet_id:
        return True
    return get_user_model().objects.visible_to(actor).filter(pk=to_user.pk).exists()


def _has_candidates(task):
    return any(getattr(task, f"{f}_id") for f in CANDIDATE_FIELDS)


def _tell_candidates(task, actor):
    """A task put in the pool: one notice, after commit, to the users who find it in their grab
    pool (selectors.pool_candidates), the first POOL_NOTICE_LIMIT of them by id, not the actor."""
    candidates = selectors.pool_candidates(task)
    if _is_user(actor):
        candidates = candidates.exclude(pk=actor.pk)
    recipients = list(candidates.order_by("pk")[:POOL_NOTICE_LIMIT])
    notify(recipients=recipients, subject=_("Task to claim: %(title)s") % {"title": task.title},
           body=_("A task is waiting in the pool; the first to claim it gets it: %(title)s") % {"title": task.title},
           url=task_link(task), kind="task_offered", task_id=task.pk)


# -- who may make which move (Task.moves: status, then these guards; pages ask Task.moves.may) -------
def _require_sees(actor, task):
    if actor.is_superuser or task.created_by_id == actor.pk:
        return
    if not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFound()


@Task.moves.guard("claim")
def _may_claim(actor, task):
    if not selectors.offered_to(actor).filter(pk=task.pk).exists():
        raise R.NOT_OFFERED()


@Task.moves.guard("complete")
@Task.moves.guard("transfer")
@Task.moves.guard("return")
def _must_be_assignee(actor, task):
    """The assignee of an open task (the system completes any)."""
    if _is_user(actor) and task.assignee_id != actor.pk:
        raise R.NOT_YOURS(name=task.assignee)


@Task.moves.guard("urge")
def _may_urge(actor, task):
    if task.assignee_id == actor.pk:
        raise R.OWN_TASK()
    _require_sees(actor, task)


@Task.moves.guard("reassign")
def _may_reassign(actor, task):
    if not actor.is_superuser and not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFound()


@Task.moves.guard("cancel")
def _may_cancel(actor, task):
    """Its creator, someone with tasks.change_task who sees it, or the system (a process cancelled)."""
    if _is_user(actor) and not actor.is_superuser and task.created_by_id != actor.pk:
        if not actor.has_perm("tasks.change_task"):
            raise PermissionDenied()
        _require_sees(actor, task)


# -- create --------------------------------------------------------------------------------------------
def task_create(*, actor, kind, title, assignee=None, candidate_role=None, candidate_department=None,
                candidate_region=None, candidate_skill=None, outlet=None, branch=None, department=None,
                subject=None, url="", description="", priority=Priority.NORMAL, due_at=None,
                process_instance=None, bpmn_task_id="", step="", data=None) -> Task:
    """A task for `assignee` (OPEN), or offered to the pool of candidates (POOL) when there is no
    assignee. Branch/department default to the subject's, else the assignee's, else the actor's."""
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("Please enter a title."))
    if not kind:
        raise _invalid("kind", _("Please choose the task type."))
    if assignee is not None:
        assignee = _active_user(assignee, "assignee")
    for source in (subject, assignee, actor if _is_user(actor) else None):
        if source is None:
            continue
        if branch is None and getattr(source, "branch_id", None):
            branch = source.branch
            if department is None and getattr(source, "department_id", None):
                department = source.department
        if branch is not None:
            break
    if outlet is None and assignee is not None and assignee.outlet_id:
        outlet = assignee.outlet
    task = Task(
        kind=kind, title=title[:200], description=description or "", priority=priority,
        status=Task.Status.OPEN if assignee else Task.Status.POOL, assignee=assignee,
        candidate_role=candidate_role, candidate_department=candidate_department,
        candidate_region=candidate_region, candidate_skill=candidate_skill, outlet=outlet,
        branch=branch, department=department, url=url or "", due_at=due_at,
        process_instance=process_instance, bpmn_task_id=bpmn_task_id or "", step=step or "",
        data=dict(data or {}), created_by=actor if _is_user(actor) else None,
        claimed_at=None,
    )
    if subject is not None:
        task.content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
        task.object_id = str(subject.pk)
        task.subject_repr = str(subject)[:200]
        if not task.url and hasattr(subject, "get_absolute_url"):
            task.url = subject.get_absolute_url()
    try:
        # The related records were resolved above (no look-up per foreign key); the constraints are
        # the database's (one row per BPMN task, OPEN has an assignee).
        task.full_clean(exclude=["content_type", "process_instance", "candidate_role", "candidate_department",
                                 "candidate_region", "candidate_skill", "outlet", "branch", "department",
                                 "assignee", "created_by", "previous_assignee", "completed_by"],
                        validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    # No savepoint of its own: inside a caller's transaction (an engine step) an error here rolls the
    # caller back anyway, and a process step creates tasks on the hot path of every completion.
    with transaction.atomic(savepoint=False):
        task.save()
        second = (TaskEvent.Action.ASSIGNED, assignee) if assignee is not None else (TaskEvent.Action.OFFERED, None)
        TaskEvent.objects.bulk_create([
            _event_row(task, TaskEvent.Action.CREATED, actor),
            _event_row(task, second[0], actor, to_user=second[1]),
        ])
        audit.record(actor=actor, action="create", obj=task, after=audit.snapshot(task))
        if assignee is None:
            _tell_candidates(task, actor)
        if assignee is not None and assignee != actor:
            notify(recipients=[assignee], subject=_("New task: %(title)s") % {"title": task.title},
                   body=_("%(who)s gave you a task: %(title)s") % {"who": actor or _("The system"),
                                                                   "title": task.title},
                   url=task_link(task), kind="task_assigned", task_id=task.pk)
    return task


def generic_task_create(*, actor, data) -> Task:
    """A to-do 待办事项 someone writes for a person or a pool (page and API); needs tasks.add_task."""
    if not actor.has_perm("tasks.add_task"):
        raise PermissionDenied()
    assignee = data.get("assignee")
    if assignee is not None and not _may_hand_to(actor, assignee):
        raise _invalid("assignee", _("You cannot give tasks to this person."))
    if assignee is None and not _has_candidates_data(data) and not actor.branch_id and not actor.is_superuser:
        raise _invalid("assignee", _("Choose a person, or a role/department/region/skill to offer the task to."))
    return task_create(
        actor=actor, kind=GENERIC, title=data.get("title", ""), description=data.get("description", ""),
        assignee=assignee, priority=data.get("priority") or Priority.NORMAL, due_at=data.get("due_at"),
        **{f: data.get(f) for f in CANDIDATE_FIELDS},
    )


def task_update(*, actor, task, data) -> Task:
    """Change the wording, priority or due time of an active task (tasks.change_task, within the
    data scope); who has it changes only through the moves below."""
    from xiuhao.core.services import object_update

    allowed = {"title", "description", "priority", "due_at"}
    unknown = set(data) - allowed
    if unknown:
        raise _invalid(sorted(unknown)[0], _("This cannot be changed here; use the task's actions."))
    if Task.objects.filter(pk=task.pk).exclude(status__in=Task.ACTIVE).exists():
        raise R.CLOSED()
    if "title" in data and not (data["title"] or "").strip():
        raise _invalid("title", _("Please enter a title."))
    return object_update(actor=actor, obj=task, data=data)


def _has_candidates_data(data):
    return any(data.get(f) for f in CANDIDATE_FIELDS)


# -- the assignee's moves ----------------------------------------------------------------------------
@Task.moves.implements("complete")
def task_complete(*, actor, task, data=None, outcome="") -> Task:
    """The assignee completes the task (OPEN → DONE) with the form's `data` and an `outcome`; the
    completion hooks then run in the same transaction (hooks.on_task_completed: a process task moves
    its process on, and a failing step rolls the completion back).

    Whoever calls (page, API, a module), the outcome must be one of the type's and `data` must
    pass the type's form for that outcome (e.g. a rejection needs a reason); its cleaned values
    are stored (errors name `outcome` and `data.<field>`)."""
    if data is not None and not isinstance(data, dict):
        raise _invalid("data", _("The form data must be an object."))
    outcome = (outcome or "").strip()
    task_type = get_task_type(task.kind)
    if task_type and task_type.outcomes and outcome not in task_type.outcome_values:
        raise _invalid("outcome", _("Please choose one of: %(choices)s")
                       % {"choices": "、".join(str(label) for _v, label in task_type.outcomes)})
    if len(outcome) > 40:
        raise _invalid("outcome", _("The outcome is too long."))
    if task_type is not None and task_type.form_class is not None:
        data = task_type.clean_data(data, outcome=outcome)
    with transaction.atomic():
        fresh = _fresh(task)
        Task.moves.check(actor, fresh, "complete")
        _move(task, fresh, to=Task.Status.DONE, actor=actor, verb="complete", reason=outcome,
              match={"assignee": fresh.assignee_id},
              values={"completed_at": timezone.now(), "completed_by": actor if _is_user(actor) else None,
                      "data": {**(fresh.data or {}), **(data or {})}, "outcome": outcome})
        hooks.task_completed(task=task, actor=actor)  # e.g. the task's process moves on
    return task


@Task.moves.implements("claim")
def task_claim(*, actor, task) -> Task:
    """Claim a pool task 抢任务: exactly one claimant wins; the others hear who did."""
    with transaction.atomic():
        fresh = _fresh(task)
        if selectors.claim_target(actor, fresh.pk) is None:
            raise NotFound()  # neither offered in the pool nor visible: nothing to tell
        Task.moves.check(actor, fresh, "claim")  # "该任务已被 X 领取"
        # The race: everyone eligible may press "claim" at once. Only the UPDATE that still finds
        # the row in the pool wins; on PostgreSQL the others wait for the row lock, re-check the
        # WHERE and update nothing — and are told who won.
        _move(task, fresh, to=Task.Status.OPEN, actor=actor, verb="claim",
              values={"assignee": actor, "claimed_at": timezone.now()})
    return task


@Task.moves.implements("transfer")
def task_transfer(*, actor, task, to_user, reason) -> Task:
    """The assignee hands the task to someone else 转派 (a reason is required)."""
    reason = _reason(reason)
    to_user = _active_user(to_user, "to_user")
    if to_user.pk == actor.pk:
        raise _invalid("to_user", _("Choose someone other than yourself."))
    if not _may_hand_to(actor, to_user):
        raise _invalid("to_user", _("You cannot give tasks to this person."))
    with transaction.atomic():
        fresh = _fresh(task)
        Task.moves.check(actor, fresh, "transfer")
        _move(task, fresh, to=Task.Status.OPEN, actor=actor, verb="transfer", reason=reason,
              match={"assignee": actor}, values={"assignee": to_user, "previous_assignee": actor})
        notify(recipients=[to_user], subject=_("Task transferred to you: %(title)s") % {"title": task.title},
               body=_("%(who)s transferred a task to you: %(title)s. Reason: %(reason)s")
               % {"who": actor, "title": task.title, "reason": reason},
               url=task_link(task), kind="task_transferred", task_id=task.pk)
    return task


@Task.moves.implements("return")
def task_return(*, actor, task, reason) -> Task:
    """The assignee gives the task back 退回: to the pool when it was offered to candidates (or
    claimed from the pool), else to the previous assignee, else to its creator."""
    reason = _reason(reason)
    with transaction.atomic():
        fresh = _fresh(task)
        Task.moves.check(actor, fresh, "return")
        receiver = None
        if _has_candidates(fresh) or fresh.claimed_at is not None:
            values = {"status": Task.Status.POOL, "assignee": None}
        else:
            for candidate in (fresh.previous_assignee, fresh.created_by):
                if candidate is not None and candidate.pk != actor.pk and candidate.is_active:
                    receiver = candidate
                    break
            if receiver is None:
                raise R.NOBODY_TO_RETURN_TO()
            values = {"status": Task.Status.OPEN, "assignee": receiver}
        _move(task, fresh, to=values.pop("status"), actor=actor, verb="return", reason=reason,
              match={"assignee": actor}, values={"previous_assignee": actor, **values})
        if receiver is not None:
            notify(recipients=[receiver], subject=_("Task returned to you: %(title)s") % {"title": task.title},
                   body=_("%(who)s returned a task to you: %(title)s. Reason: %(reason)s")
                   % {"who": actor, "title": task.title, "reason": reason},
                   url=task_link(task), kind="task_returned", task_id=task.pk)
        else:
            _tell_candidates(task, actor)
    return task


# -- others' moves --------------------------------------------------------------------------------------

@Task.moves.implements("urge")
def task_urge(*, actor, task, note="") -> Task:
    """Urge 催单 the assignee of an open task (its creator or someone who sees it); notifies them."""
    note = (note or "").strip()[:255]
    with transaction.atomic():
        fresh = _fresh(task)
        Task.moves.check(actor, fresh, "urge")
        now = timezone.now()
        if fresh.last_urged_at and now - fresh.last_urged_at < URGE_INTERVAL:
            raise R.URGED_RECENTLY()
        _move(task, fresh, to=Task.Status.OPEN, actor=actor, verb="urge", reason=note,
              match={"urge_count": fresh.urge_count},
              values={"urge_count": F("urge_count") + 1, "last_urged_at": now})
        body = _("%(who)s is waiting for the task: %(title)s") % {"who": actor, "title": task.title}
        if note:
            body = f"{body}\n{note}"
        notify(recipients=[fresh.assignee], subject=_("Reminder 催单: %(title)s") % {"title": task.title},
               body=body, url=task_link(task), kind="task_urged", task_id=task.pk)
    return task


@Task.moves.implements("reassign")
def task_reassign(*, actor, task, to_user, reason) -> Task:
    """A manager (tasks.reassign_task) gives an open or pool task to someone (reason required)."""
    reason = _reason(reason)
    to_user = _active_user(to_user, "to_user")
    with transaction.atomic():
        fresh = _fresh(task)
        Task.moves.check(actor, fresh, "reassign")
        if fresh.assignee_id == to_user.pk:
            raise _invalid("to_user", _("The task is already assigned to this person."))
        if not _may_hand_to(actor, to_user):
            raise _invalid("to_user", _("You cannot give tasks to this person."))
        previous = fresh.assignee
        _move(task, fresh, to=Task.Status.OPEN, actor=actor, verb="reassign", reason=reason,
              match={"assignee": fresh.assignee_id}, values={"assignee": to_user, "previous_assignee": previous})
        notify(recipients=[to_user], subject=_("New task: %(title)s") % {"title": task.title},
               body=_("%(who)s gave you a task: %(title)s") % {"who": actor, "title": task.title},
               url=task_link(task), kind="task_assigned", task_id=task.pk)
        if previous is not None and previous != actor:
            notify(recipients=[previous],
                   subject=_("Task reassigned: %(title)s") % {"title": task.title},
                   body=_("%(who)s gave your task %(title)s to %(to)s. Reason: %(reason)s")
                   % {"who": actor, "title": task.title, "to": to_user, "reason": reason},
                   url=task_link(task), kind="task_reassigned", task_id=task.pk)
    return task


@Task.moves.implements("cancel")
def task_cancel(*, actor, task, reason="") -> Task:
    """Withdraw an active task (its creator, someone with tasks.change_task who sees it, or the
    system — e.g. the engine when a process is cancelled)."""
    reason = (reason or "").strip()[:255]
    with transaction.atomic():
        fresh = _fresh(task)
        Task.moves.check(actor, fresh, "cancel")
        assignee = fresh.assignee
        _move(task, fresh, to=Task.Status.CANCELLED, actor=actor, verb="cancel", reason=reason)
        if assignee is not None and assignee != actor:
            notify(recipients=[assignee], subject=_("Task cancelled: %(title)s") % {"title": task.title},
                   body=reason or task.title, url=task_link(task), kind="task_cancelled", task_id=task.pk)
    return task


# -- engineer state -------------------------------------------------------------------------------------
def engineer_set_state(*, actor, user, state, task=None, lat=None, lng=None) -> EngineerState:
    """An engineer says where they are in the day (or someone with tasks.change_engineerstate who
    sees them). `task`: the current task, one of theirs."""
    if state not in EngineerState.State.values:
        raise _invalid("state", _("Unknown state."))
    if _is_user(actor) and actor.pk != user.pk:
        if not actor.has_perm("tasks.change_engineerstate"):
            raise PermissionDenied()
        if not get_user_model().objects.visible_to(actor).filter(pk=user.pk).exists():
            raise NotFound()
    if task is not None and task.assignee_id != user.pk:
        raise _invalid("task", _("The current task must be one of the engineer's own tasks."))
    for name, value, limit in (("lat", lat, 90), ("lng", lng, 180)):
        if value is not None:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise _invalid(name, _("Enter a number.")) from None
            if not -limit <= number <= limit:
                raise _invalid(name, _("The coordinate is out of range."))
    if state == EngineerState.State.OFF_DUTY:
        task = None
    with transaction.atomic():
        current, created = EngineerState.objects.select_for_update().get_or_create(user=user)
        before = audit.snapshot(current) if not created else {}
        if created or current.state != state:
            current.since = timezone.now()
        current.state = state
        current.task = task
        current.lat = lat if lat is not None else (None if state == EngineerState.State.OFF_DUTY else current.lat)
        current.lng = lng if lng is not None else (None if state == EngineerState.State.OFF_DUTY else current.lng)
        try:
            current.full_clean(exclude=["user", "task"])
        except DjangoValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        current.save()
        audit.record(actor=actor, action="update" if not created else "create", obj=current,
                     before=before, after=audit.snapshot(current), verb="set_state",
                     branch_id=user.branch_id)
    return current
