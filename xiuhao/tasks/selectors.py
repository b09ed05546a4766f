"""Reads of the Task Centre, always scoped: my tasks, the grab pool 抢任务, the boards.

Pool eligibility (who may claim a POOL task) — every condition the task names must hold:
- candidate role: the user holds the role (active);
- candidate department: the user's department is that department *or lies below it* (a task
  offered to 服务部 is offered to its sub-teams too);
- candidate region: the user's active engineer profile serves a region that covers the task's
  region (an engineer for 广东省深圳市 may claim tasks in every county of Shenzhen);
- candidate skill: the user's engineer profile has the skill;
- outlet: an outlet's task is for that outlet's users only, and outlet users claim only their
  outlet's tasks.
And the task must be *offered* to the user: it belongs to the user's branch (or to no branch), or
it names a candidate department or region (that says where it is offered, across branches — the
grab pool of engineers serving a region), or it lies within their data scope
(`Task.objects.visible_to`, e.g. a head office user with "all data").
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from xiuhao.core.scope import scope_q

from .models import EngineerState, Task

LIST_RELATED = ["assignee", "branch", "department", "candidate_role", "candidate_department", "candidate_region",
                "candidate_skill", "outlet", "created_by"]


def _ancestor_department_ids(user):
    if not user.department_id:
        return []
    path = user.department.path or f"/{user.department_id}/"
    return [int(p) for p in path.strip("/").split("/") if p.isdigit()]


def _engineer(user):
    from xiuhao.org.models import Engineer, Status

    return (Engineer.objects.filter(user=user, status=Status.ACTIVE).prefetch_related("regions")
            .first())


def eligibility_q(user) -> Q:
    """The candidate conditions of POOL tasks that `user` meets (see the module doc)."""
    from xiuhao.org.models import EngineerSkill

    roles = [r.pk for r in user.active_roles()]
    q = Q(candidate_role__isnull=True) | Q(candidate_role__in=roles)
    q &= Q(candidate_department__isnull=True) | Q(candidate_department__in=_ancestor_department_ids(user))
    engineer = _engineer(user)
    region_q = Q(candidate_region__isnull=True)
    skill_ids = []
    if engineer is not None:
        for region in engineer.regions.all():
            # The task's region lies inside one the engineer serves (org.regions.covered_q seen
            # from the other side).
            region_q |= Q(candidate_region__prefix__startswith=region.prefix)
        skill_ids = list(EngineerSkill.objects.filter(engineer=engineer).values_list("skill_id", flat=True))
    q &= region_q
    q &= Q(candidate_skill__isnull=True) | Q(candidate_skill__in=skill_ids)
    q &= Q(outlet=user.outlet_id) if user.outlet_id else Q(outlet__isnull=True)
    return q


def offered_q(user) -> Q:
    """Pool tasks offered to `user` beyond their data scope (see the module doc)."""
    named_place = Q(candidate_department__isnull=False) | Q(candidate_region__isnull=False)
    same_branch = Q(branch__isnull=True) | Q(branch=user.branch_id) if user.branch_id else Q(branch__isnull=True)
    return named_place | same_branch


def offered_to(user):
    """Tasks (in any status) whose pool is or was open to `user`: the claimants of a task that
    someone else has just claimed are told who won."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    scope = scope_q(Task, user)
    if user.outlet_id:  # outlet users never reach beyond their outlet
        offered = Q(outlet=user.outlet_id)
    elif scope is None:
        offered = Q()
    else:
        offered = scope | offered_q(user)
    return Task.objects.filter(eligibility_q(user)).filter(offered)


def claim_target(user, pk):
    """The task a claim of `pk` by `user` is about, or None — answered like a missing task. A task
    still in the pool offered to the user; after someone else won it, only to those it was offered
    to in the pool (they saw it there and hear who won) or who may see it anyway. A task that was
    never in the pool (assigned directly) tells a bystander nothing: not that it exists, nor who
    holds it."""
    from django.db.models import Exists, OuterRef

    from .models import TaskEvent

    was_pooled = Exists(TaskEvent.objects.filter(task=OuterRef("pk"), action=TaskEvent.Action.OFFERED))
    task = (offered_to(user).filter(pk=pk).filter(Q(status=Task.Status.POOL) | Q(was_pooled))
            .select_related(*LIST_RELATED).first())
    return task if task is not None else task_for_page(user, pk)


def pool_candidates(task):
    """The users who find a POOL `task` in their grab pool by its conditions — `eligibility_q` and
    `offered_q` read from the task's side, in one query (a test holds the two readings equal). Who
    reaches the task only through a wide data scope (head office, "all data") may claim it too but
    is not counted here: the task is not addressed to them."""
    from django.contrib.auth import get_user_model

    from xiuhao.org.models import Department, EngineerSkill, Status

    User = get_user_model()
    users = User.objects.filter(is_active=True).exclude(kind=User.Kind.CUSTOMER)
    if task.candidate_role_id:
        if task.candidate_role.status != Status.ACTIVE:
            return users.none()
        users = users.filter(roles=task.candidate_role_id)
    if task.candidate_department_id:
        below = Department.objects.filter(path__startswith=task.candidate_department.path)
        users = users.filter(department__in=below)
    if task.candidate_region_id or task.candidate_skill_id:
        users = users.filter(engineer__status=Status.ACTIVE)
    if task.candidate_region_id:
        prefix = task.candidate_region.prefix
        # The engineer serves a region covering the task's: its prefix starts the task's prefix.
        users = users.filter(engineer__regions__prefix__in=[prefix[:n] for n in range(1, len(prefix) + 1)])
    if task.candidate_skill_id:
        users = users.filter(engineer__in=EngineerSkill.objects.filter(skill=task.candidate_skill_id)
                             .values("engineer"))
    users = users.filter(outlet=task.outlet_id) if task.outlet_id else users.filter(outlet__isnull=True)
    if not (task.candidate_department_id or task.candidate_region_id or task.outlet_id or not task.branch_id):
        users = users.filter(branch=task.branch_id)  # offered to its branch
    return users.distinct()


def pool_for(user):
    """POOL tasks `user` may claim."""
    return offered_to(user).filter(status=Task.Status.POOL).select_related(*LIST_RELATED)


def may_claim(user, task) -> bool:
    return pool_for(user).filter(pk=task.pk).exists()


def my_open_tasks(user):
    """The user's open tasks, most urgent first: due soonest (no due time last), then priority."""
    from django.db.models import F

    return (Task.objects.filter(assignee=user, status=Task.Status.OPEN).select_related(*LIST_RELATED)
            .order_by(F("due_at").asc(nulls_last=True), "-priority", "created_at", "pk"))


def counts_by_kind(qs) -> dict:
    return dict(qs.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))


def open_task_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Task.objects.filter(assignee=user, status=Task.Status.OPEN).count()


def task_for_page(user, pk):
    """A task the user may look at: their own (now or before), one they may claim, or one within
    their data scope (managers). None otherwise."""
    base = Task.objects.select_related(*LIST_RELATED, "previous_assignee", "completed_by", "content_type")
    task = base.filter(pk=pk).first()
    if task is None:
        return None
    if task.assignee_id == user.pk or task.created_by_id == user.pk:
        return task
    if task.status == Task.Status.POOL and may_claim(user, task):
        return task
    if task.events.filter(Q(from_user=user) | Q(to_user=user) | Q(actor=user)).exists():
        return task  # someone who had it once can read its history
    if Task.objects.visible_to(user).filter(pk=pk).exists():
        return task
    return None


def is_overdue(task, now=None):
    return task.status == Task.Status.OPEN and task.due_at is not None and task.due_at < (now or timezone.now())


# -- boards -----------------------------------------------------------------------------------------
def week_days(start: datetime.date):
    return [start + datetime.timedelta(days=i) for i in range(7)]


def employee_board(*, user, employees, start: datetime.date, filters=None):
    """Per employee × day of the week from `start` (员工任务看板), of the tasks assigned to the
    employee within `user`'s data scope:
    - `due`: due that day (not cancelled) — the day's work;
    - `done`: completed that day;
    - `overdue`: due that day and still open past the due time.
    Each count is exactly the rows of the task query filtered by `cell_filters` for the same cell.
    Two aggregate queries (one per date: due, completed) whatever the number of employees."""
    from django.db.models.functions import TruncDate

    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    end = begin + datetime.timedelta(days=7)
    qs = Task.objects.visible_to(user).filter(assignee__in=[e.pk for e in employees])
    if filters:
        qs = qs.filter(**filters)
    now = timezone.now()
    cells = {}

    def cell(assignee, day):
        return cells.setdefault((assignee, day), {"due": 0, "done": 0, "overdue": 0})

    due = (qs.filter(due_at__gte=begin, due_at__lt=end).exclude(status=Task.Status.CANCELLED)
           .annotate(day=TruncDate("due_at", tzinfo=tz)).order_by().values("assignee", "day")
           .annotate(due=Count("pk"), overdue=Count("pk", filter=Q(status=Task.Status.OPEN, due_at__lt=now))))
    for row in due:
        cell(row["assignee"], row["day"]).update(due=row["due"], overdue=row["overdue"])
    done = (qs.filter(status=Task.Status.DONE, completed_at__gte=begin, completed_at__lt=end)
            .annotate(day=TruncDate("completed_at", tzinfo=tz)).order_by().values("assignee", "day")
            .annotate(n=Count("pk")))
    for row in done:
        cell(row["assignee"], row["day"])["done"] = row["n"]
    return cells


def cell_filters(assignee_id, day: datetime.date):
    """The task query's filters (GET parameters) that list exactly the rows of a board cell."""
    day = day.isoformat()
    return {
        "due": {"assignee": assignee_id, "due_at_after": day, "due_at_before": day, "status": "not_cancelled"},
        "done": {"assignee": assignee_id, "completed_at_after": day, "completed_at_before": day, "status": "done"},
        "overdue": {"assignee": assignee_id, "due_at_after": day, "due_at_before": day, "overdue": "true"},
    }


def engineer_states(user, qs=None):
    """Engineers within `user`'s scope with their state (engineers without a state row show as
    off duty)."""
    from xiuhao.org.models import Engineer, Status

    engineers = (qs if qs is not None else Engineer.objects.visible_to(user).filter(status=Status.ACTIVE)
                 ).select_related("user", "user__department", "user__branch")
    states = {s.user_id: s for s in EngineerState.objects.filter(user__in=[e.user_id for e in engineers])
              .select_related("task")}
    return [(engineer, states.get(engineer.user_id)) for engineer in engineers]


# -- what other apps show beside a task ---------------------------------------------------------------
def attach_marks(tasks):
    """Set `task.marks` (a list of hooks.Mark, e.g. the SLA clocks timing the task or its record)
    and `task.mark_groups` ([(provider, marks)] with marks) on each task: one read per provider
    for the whole list. Returns the tasks as a list."""
    from .hooks import mark_providers

    tasks = list(tasks)
    for task in tasks:
        task.marks, task.mark_groups = [], []
    if not tasks:
        return tasks
    for provider in mark_providers():
        found = provider.collect(tasks)
        for task in tasks:
            marks = found.get(task.pk, [])
            if marks:
                task.marks.extend(marks)
                task.mark_groups.append((provider, marks))
    return tasks
