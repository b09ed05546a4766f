"""Writes of the process engine: start an instance, move it on when a task is completed or a timer
fires, cancel, retry; load and upload process definitions.

One engine advance is one transaction (the caller's, e.g. task_complete's): the instance row is
locked and read, the BPMN step runs, the new state is written with one UPDATE, and the Task rows
follow the ready user tasks (new ones created through tasks.services.task_create, stale ones
cancelled). Service handlers run inside a savepoint: when one raises, what it wrote is rolled back,
the instance keeps the state from just before the engine steps (the completed user task stays
completed) and goes to ERROR with the message; `process_retry` runs the steps again.
"""

import json
import logging
from pathlib import Path
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.util.task import TaskState

from xiuhao.core import audit
from xiuhao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.moves import REASON_REQUIRED, require_reason
from xiuhao.core.services import require_perm, require_visible, stamp_ownership

from . import engine
from .labels import localized, localized_xml
from .models import ProcessDefinition, ProcessInstance

log = logging.getLogger(__name__)
Status = ProcessInstance.Status
PROCESSES_DIR = Path(__file__).resolve().parent / "processes"
MAX_ENGINE_ROUNDS = 100


def _is_user(actor):
    return actor is not None and getattr(actor, "is_authenticated", False)


# -- process definitions -----------------------------------------------------------------------------
def _invalid_file(messages):
    return ValidationFailed(fields={"file": [str(m) for m in messages]})


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid_file([_("The file is not UTF-8 text.")]) from exc


def _new_version(*, parsed, xml_text, digest, actor, source="", note="", audited=True):
    """Add a version of `parsed.key` and make it the current one (running instances keep theirs)."""
    try:
        with transaction.atomic():
            last = ProcessDefinition.objects.filter(key=parsed.key).aggregate(v=Max("version"))["v"] or 0
            ProcessDefinition.objects.filter(key=parsed.key, is_current=True).update(is_current=False,
                                                                                     updated_at=timezone.now())
            definition = ProcessDefinition.objects.create(
                key=parsed.key, name=parsed.name[:200], version=last + 1, is_current=True, bpmn_xml=xml_text,
                checksum=digest, uploaded_by=actor if _is_user(actor) else None, source=source[:255],
                note=(note or "")[:255])
            if audited:
                audit.record(actor=actor, action="create", obj=definition, verb="process_version",
                             after={"key": definition.key, "version": definition.version,
                                    "source": definition.source, "checksum": digest, "note": definition.note})
    except IntegrityError as exc:  # two uploads of the same key at once: one wins
        raise Conflict(_("Another version of this process was saved at the same moment; try again.")) from exc
    return definition


def definition_upload(*, actor, data, note="", filename=""):
    """An administrator uploads a new version of a process (a new key starts at version 1).
    Checked before anything is saved: a parseable BPMN file with unique ids, every user task's task
    type and every service task's handler must exist."""
    if not actor.has_perm("workflow.add_processdefinition"):
        raise PermissionDenied()
    data = engine._as_bytes(data or b"")
    if len(data) > 2 * 1024 * 1024:
        raise _invalid_file([_("The file is larger than 2 MB.")])
    xml_text = _decode(data)
    try:
        parsed = engine.parse_bpmn(data)
    except engine.InvalidBpmn as exc:
        raise _invalid_file(exc.messages) from exc
    problems = engine.check_references(parsed)
    if problems:
        raise _invalid_file(problems)
    digest = engine.checksum(data)
    current = ProcessDefinition.objects.filter(key=parsed.key, is_current=True).first()
    if current is not None and current.checksum == digest:
        raise _invalid_file([_("This file is the same as the current version %(version)s.")
                             % {"version": current.version}])
    note = note or (_("Uploaded file %(name)s") % {"name": filename} if filename else "")
    return _new_version(parsed=parsed, xml_text=xml_text, digest=digest, actor=actor, note=note)


def definitions_sync(*, directory=PROCESSES_DIR, verbose=False, audited=True):
    """Load the .bpmn files shipped with the code (post-migrate and `manage.py sync_processes`):
    a file becomes a new current version only when its content differs from every version of that
    process. Returns the versions added. `audited=False` after migrate: like a data migration, the
    shipped files come with the installed code (the version row keeps its source file and time)."""
    added = []
    for path in sorted(Path(directory).glob("*.bpmn")):
        data = path.read_bytes()
        digest = engine.checksum(data)
        try:
            parsed = engine.parse_bpmn(data)
        except engine.InvalidBpmn as exc:
            log.error("process file %s is invalid: %s", path.name, exc)
            raise
        if ProcessDefinition.objects.filter(key=parsed.key, checksum=digest).exists():
            continue
        added.append(_new_version(parsed=parsed, xml_text=_decode(data), digest=digest, actor=None,
                                  source=f"xiuhao/workflow/processes/{path.name}", audited=audited))
    return added


# -- instances: reading the engine --------------------------------------------------------------------
def _locked(instance_id):
    # The race: two tasks of one instance (parallel branches) completed at once would both read the
    # same state and the later UPDATE would drop the other's step. The row lock makes the second wait
    # and read the first one's state (PostgreSQL; SQLite's IMMEDIATE transactions serialise anyway).
    found = list(ProcessInstance.objects.select_related("branch", "department")
                 .annotate(definition_checksum=F("definition__checksum"))
                 .select_for_update(of=("self",)).filter(pk=instance_id).order_by()[:1])
    if not found:
        raise NotFound()
    return found[0]


def _run_engine(workflow, ran):
    """Engine steps until only user tasks and waiting events are left (a timer that came due during
    the steps makes its event ready, so go round again)."""
    for _round in range(MAX_ENGINE_ROUNDS):
        workflow.do_engine_steps(did_complete_task=ran.append)
        if workflow.completed or not workflow.get_tasks(state=TaskState.READY, manual=False):
            return
    raise engine.ProcessError(_("The process does not come to rest (a loop without a user task?)."))


def _step_names(parsed, tasks):
    names = []
    for task in tasks:
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        name = getattr(task.task_spec, "bpmn_name", None)
        if bpmn_id and name:
            names.append(localized(name))
    return names


def _write(instance, workflow, *, status, error=""):
    """The one UPDATE of the instance row per engine advance."""
    now = timezone.now()
    values = {"state": engine.dump(workflow), "status": status, "error": error, "updated_at": now,
              "next_timer_at": engine.next_timer(workflow) if status == Status.RUNNING else None}
    if status in (Status.COMPLETED, Status.CANCELLED):
        values["ended_at"] = now
    ProcessInstance.objects.filter(pk=instance.pk).update(**values)
    for name, value in values.items():
        setattr(instance, name, value)


def _write_status(instance, status, *, error=None):
    """An instance's status without its engine state (for a state that cannot be read)."""
    now = timezone.now()
    values = {"status": status, "updated_at": now, "next_timer_at": None}
    if error is not None:
        values["error"] = error
    if status in (Status.COMPLETED, Status.CANCELLED):
        values["ended_at"] = now
    ProcessInstance.objects.filter(pk=instance.pk).update(**values)
    for name, value in values.items():
        setattr(instance, name, value)


R = ProcessInstance.Refusals


def _unreadable(exc):
    """The coded refusal of a move that needs the engine state of an instance that has none."""
    return R.STATE_UNREADABLE(error=exc)


def _advance(instance, parsed, workflow, *, actor, replay, verb, done=(), audit_action="update", known=None):
    """Run the engine steps of `workflow` and store the outcome (see the module doc). `known`: the
    ready user tasks that already have their Task rows, when the caller knows them (saves a read)."""
    before = instance.status
    ran = []
    try:
        with transaction.atomic():
            _run_engine(workflow, ran)
            status = Status.COMPLETED if workflow.completed else Status.RUNNING
            instance.status = status
            _sync_tasks(instance, parsed, workflow, actor=actor, known=known)
            _write(instance, workflow, status=status)
            message = " → ".join([*done, *_step_names(parsed, ran)])
    except Exception as exc:  # a handler, an expression or a task assignment failed
        error = engine.error_message(exc)
        log.warning("process instance %s failed: %s", instance.pk, error)
        instance.status = before
        _write(instance, replay(), status=Status.ERROR, error=error)
        verb, message = "process_error", error
    changes = {"status": [before, instance.status]} if before != instance.status or audit_action == "create" else {}
    audit.record(actor=actor, action=audit_action, obj=instance, verb=verb, changes=changes, message=message)
    return instance


# -- instances: Task rows -----------------------------------------------------------------------------
def _by_code_or_id(model, value, *, code_first=False):
    value = str(value).strip()
    if not value:
        return None
    found = None
    if code_first or not value.isdigit():
        found = model.objects.filter(code=value).first()
    if found is None and value.isdigit():
        found = model.objects.filter(pk=int(value)).first()
    if found is None:
        raise engine.ProcessError(_("%(what)s “%(value)s” does not exist.")
                                  % {"what": model._meta.verbose_name, "value": value})
    return found


def _role_with_permission(code):
    from django.contrib.auth.models import Permission

    from xiuhao.org.models import Role

    # A Task has one candidate role: of the roles holding the permission, the most specific one
    # (fewest permissions — an "announcement approvers" role rather than "administrators").
    app_label, _dot, codename = str(code).partition(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    role = None
    if permission is not None:
        holders = Role.objects.filter(permissions=permission, status="active").values_list("pk", flat=True)
        role = (Role.objects.filter(pk__in=list(holders)).annotate(n=Count("permissions")).order_by("n", "pk")
                .first())
    if role is None:
        raise engine.ProcessError(_("No active role holds the permission “%(code)s”.") % {"code": code})
    return role


def _user(value, actor=None):
    User = get_user_model()
    if isinstance(value, User):
        return value
    text = str(value).strip()
    if actor is not None and text == str(actor.pk):  # the usual "back to whoever started it"
        return actor
    user = User.objects.filter(pk=int(text)).first() if text.isdigit() else User.objects.filter(username=text).first()
    if user is None or not user.is_active:
        raise engine.ProcessError(_("The assignee “%(value)s” does not exist or is not active.") % {"value": value})
    return user


def _assignment(step, variables_, actor=None):
    """Task fields from the user task's properties: an assignee, or the candidate pool."""
    from xiuhao.org.models import Department, Region, Role, Skill

    props = step.properties
    values = {}

    def prop(name):
        raw = props.get(name)
        return engine.resolve_value(raw, variables_) if raw else None

    assignee = prop("assignee")
    if assignee not in (None, ""):
        values["assignee"] = _user(assignee, actor if _is_user(actor) else None)
    if props.get("candidateRole"):
        values["candidate_role"] = _by_code_or_id(Role, prop("candidateRole"))
    elif props.get("candidatePermission"):
        values["candidate_role"] = _role_with_permission(prop("candidatePermission"))
    if props.get("candidateDepartment"):
        values["candidate_department"] = _by_code_or_id(Department, prop("candidateDepartment"))
    if props.get("candidateRegion"):
        values["candidate_region"] = _by_code_or_id(Region, prop("candidateRegion"), code_first=True)
    if props.get("candidateSkill"):
        values["candidate_skill"] = _by_code_or_id(Skill, prop("candidateSkill"))
    if props.get("dueIn"):
        values["due_at"] = timezone.now() + engine.duration(str(prop("dueIn")))
    if props.get("priority"):
        values["priority"] = int(prop("priority"))
    return values


def _sync_tasks(instance, parsed, workflow, *, actor, known=None):
    """Every ready user task gets a Task row; a row whose BPMN task is no longer ready (a boundary
    timer took the other way, the process was cancelled) is cancelled. `known`: the BPMN task ids
    that had rows before the step (then only the rows of those no longer ready are read)."""
    from xiuhao.tasks.models import Task
    from xiuhao.tasks.services import task_cancel, task_create

    ready = {}
    if instance.status == Status.RUNNING:
        ready = {str(t.id): t for t in engine.ready_user_tasks(workflow)}
    rows = Task.objects.filter(process_instance_id=instance.pk, status__in=Task.ACTIVE)
    if known is None:
        active = list(rows)
        have = {t.bpmn_task_id for t in active}
    else:
        gone = set(known) - set(ready)
        active = list(rows.filter(bpmn_task_id__in=gone)) if gone else []
        have = set(known)
    for row in active:
        if row.bpmn_task_id and row.bpmn_task_id not in ready:
            task_cancel(actor=None, task=row, reason=_("The process moved on without this step."))
    subject = None
    for bpmn_task_id, spiff_task in ready.items():
        if bpmn_task_id in have:
            continue
        step = parsed.steps[spiff_task.task_spec.bpmn_id]
        variables_ = spiff_task.data
        if subject is None and instance.content_type_id:
            subject = instance.subject
        title = engine.resolve_value(step.properties.get("title", ""), variables_) if step.properties.get("title") \
            else _("%(step)s: %(title)s") % {"step": localized(step.name), "title": instance.title}
        task_create(actor=actor, kind=step.properties["taskType"], title=str(title)[:200], subject=subject,
                    branch=instance.branch, department=instance.department, process_instance=instance,
                    bpmn_task_id=bpmn_task_id, step=step.id[:100], **_assignment(step, variables_, actor))


# -- instances: the moves ------------------------------------------------------------------------------
def _json_variables(variables):
    variables = dict(variables or {})
    try:
        json.dumps(variables)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(fields={"variables": [_("Variables must be plain JSON values.")]}) from exc
    return variables


def process_start(*, actor, key, subject=None, variables=None, title="", branch=None) -> ProcessInstance:
    """Start the current version of process `key` about `subject` (any record) with `variables`.
    The instance belongs to `branch`, else the subject's, else the actor's. A handler failing in
    the first steps leaves the instance in ERROR (it is still created)."""
    definition = ProcessDefinition.objects.filter(key=key, is_current=True).only("pk", "name", "checksum").first()
    if definition is None:
        raise NotFound(_("There is no process “%(key)s”.") % {"key": key})
    variables = _json_variables(variables)
    parsed = engine.spec_for(definition.pk, definition.checksum)
    with transaction.atomic():
        instance = ProcessInstance(definition=definition, status=Status.RUNNING)
        if subject is not None:
            instance.content_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
            instance.object_id = str(subject.pk)
        instance.title = (title or (str(subject) if subject is not None else definition.name))[:200]
        if branch is not None:
            instance.branch = branch
        elif subject is not None and getattr(subject, "branch_id", None):
            instance.branch_id = subject.branch_id
            instance.department_id = getattr(subject, "department_id", None)
        stamp_ownership(instance, actor)
        instance.save()
        start_variables = {**variables, "started_by": actor.pk if _is_user(actor) else None,
                           "process_instance_id": instance.pk}

        def replay():
            return engine.new_workflow(parsed, start_variables, instance)

        _advance(instance, parsed, replay(), actor=actor, replay=replay, verb="process_start",
                 audit_action="create", known=[])
    return instance


def process_task_completed(*, task, actor):
    """The Task Centre completed `task` (a row of a ready user task): complete the BPMN task with
    the task's form data, its outcome and who completed it as variables, and move the process on.
    Called through the completion hook of tasks.services.task_complete, inside its transaction (no
    savepoint of its own: an error here rolls back the completion too)."""
    with transaction.atomic(savepoint=False):
        instance = _locked(task.process_instance_id)
        if instance.status != Status.RUNNING:
            raise R.NOT_RUNNING(status=instance.get_status_display())
        parsed = engine.spec_for(instance.definition_id, instance.definition_checksum)
        state = instance.state
        values = {**(task.data or {}), "outcome": task.outcome or "",
                  "completed_by": actor.pk if _is_user(actor) else None}

        known = []

        def replay():
            workflow = engine.load(parsed, state, instance)
            try:
                spiff_task = workflow.get_task_from_id(UUID(task.bpmn_task_id))
            except Exception:
                spiff_task = None
            if spiff_task is None or spiff_task.state != TaskState.READY:
                raise R.STEP_NOT_WAITING()
            # Every other ready user task has its row already (this one's is DONE now).
            known[:] = [str(t.id) for t in engine.ready_user_tasks(workflow) if t.id != spiff_task.id]
            spiff_task.data.update(values)
            spiff_task.run()
            return workflow

        try:
            workflow = replay()
        except engine.StateUnreadable as exc:
            raise _unreadable(exc) from exc
        step = parsed.steps.get(task.step)
        return _advance(instance, parsed, workflow, actor=actor, replay=replay, verb="process_step",
                        done=[localized(step.name)] if step else [], known=known)


def task_completed(*, task, actor):
    """The Task Centre's completion hook (tasks.hooks.on_task_completed, subscribed in apps.py): a
    task of a process moves its process on; other tasks are none of the engine's business."""
    if task.process_instance_id:
        process_task_completed(task=task, actor=actor)


def process_fire_timers(*, instance_id, actor=None):
    """Fire the timers of one instance that are due (the periodic job calls this per instance)."""
    with transaction.atomic():
        instance = _locked(instance_id)
        if instance.status != Status.RUNNING:
            return instance
        parsed = engine.spec_for(instance.definition_id, instance.definition_checksum)
        state = instance.state

        def replay():
            return engine.load(parsed, state, instance)

        try:
            workflow = replay()
        except engine.StateUnreadable as exc:
            # Not again every minute: the instance goes to ERROR, where an administrator sees it.
            before = instance.status
            _write_status(instance, Status.ERROR, error=str(exc))
            audit.record(actor=actor, action="update", obj=instance, verb="process_error", message=str(exc)[:255],
                         changes={"status": [before, Status.ERROR]})
            return instance
        workflow.refresh_timers()
        return _advance(instance, parsed, workflow, actor=actor, replay=replay, verb="process_timer")


def _guard(actor, instance, move):
    """A person's move needs its permission and the instance within their data scope."""
    if _is_user(actor):
        require_perm(actor, ProcessInstance, ProcessInstance.moves[move].permission)
        require_visible(actor, instance)


def _check(actor, fresh, move):
    """The move from the status read under the row lock (ProcessInstance.moves)."""
    machine = ProcessInstance.moves
    if _is_user(actor):
        machine.check(actor, fresh, move)
    elif not machine[move].starts_from(fresh.status):
        raise machine.refuse(fresh, machine[move])


@ProcessInstance.moves.implements("cancel")
def process_cancel(*, actor, instance, reason) -> ProcessInstance:
    """Stop a running (or failed) instance with a reason; its open tasks are cancelled."""
    from xiuhao.tasks.models import Task
    from xiuhao.tasks.services import task_cancel

    reason = require_reason(reason, REASON_REQUIRED)
    _guard(actor, instance, "cancel")
    with transaction.atomic():
        fresh = _locked(instance.pk)
        _check(actor, fresh, "cancel")
        parsed = engine.spec_for(fresh.definition_id, fresh.definition_checksum)
        before = fresh.status
        try:
            workflow = engine.load(parsed, fresh.state, fresh)
        except engine.StateUnreadable:
            # Cancelling is the way out for an instance whose state cannot be read (nothing else
            # can move it): stop it and keep the stored state as it is, for whoever looks into it.
            _write_status(fresh, Status.CANCELLED)
        else:
            workflow.cancel()
            _write(fresh, workflow, status=Status.CANCELLED, error=fresh.error)
        for row in Task.objects.filter(process_instance_id=fresh.pk, status__in=Task.ACTIVE):
            task_cancel(actor=None, task=row, reason=_("Process cancelled: %(reason)s") % {"reason": reason})
        audit.record(actor=actor, action="update", obj=fresh, verb="process_cancel", message=reason[:255],
                     changes={"status": [before, Status.CANCELLED]})
    return fresh


@ProcessInstance.moves.implements("retry")
def process_retry(*, actor, instance) -> ProcessInstance:
    """Run the failed steps of an instance in ERROR again (after the cause was fixed)."""
    _guard(actor, instance, "retry")
    with transaction.atomic():
        fresh = _locked(instance.pk)
        _check(actor, fresh, "retry")
        parsed = engine.spec_for(fresh.definition_id, fresh.definition_checksum)
        state = fresh.state

        def replay():
            return engine.load(parsed, state, fresh)

        try:
            workflow = replay()
        except engine.StateUnreadable as exc:
            raise _unreadable(exc) from exc
        return _advance(fresh, parsed, workflow, actor=actor, replay=replay, verb="process_retry")


def fire_due_timers(*, now=None, limit=500):
    """The instances whose earliest timer is due, each in its own transaction (one failing instance
    goes to ERROR without holding up the others). Returns how many were looked at."""
    now = now or timezone.now()
    due = list(ProcessInstance.objects.filter(status=Status.RUNNING, next_timer_at__lte=now)
               .order_by("next_timer_at").values_list("pk", flat=True)[:limit])
    for pk in due:
        try:
            process_fire_timers(instance_id=pk)
        except Exception:  # one broken instance must not stop the others; it is logged
            log.exception("timers of process instance %s", pk)
    return len(due)


# -- reading an instance for the viewer ---------------------------------------------------------------
def instance_view(instance) -> dict:
    """What the viewer shows: the diagram XML, the state of each step, the variables."""
    parsed = engine.spec_for(instance.definition_id, instance.definition.checksum)
    states, variables_ = {}, {}
    try:
        workflow = engine.load(parsed, instance.state, instance)
    except engine.StateUnreadable:  # nothing to show on the diagram but the model itself
        workflow = None
    if workflow is not None:
        states = engine.step_states(workflow, failed=instance.status == Status.ERROR)
        variables_ = engine.variables(workflow)
    xml = ProcessDefinition.objects.values_list("bpmn_xml", flat=True).get(pk=instance.definition_id)
    return {"xml": localized_xml(xml), "states": states, "variables": variables_}
