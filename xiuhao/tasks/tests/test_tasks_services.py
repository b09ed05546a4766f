"""The moves of a task: create, claim, complete, transfer, return, urge, reassign, cancel — each
logged as a TaskEvent and audited; who may claim from the pool."""

import pytest
from django.utils import timezone

from xiuhao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.org.models import Region
from xiuhao.org.tests.factories import (
    BranchFactory,
    DepartmentFactory,
    EngineerFactory,
    EngineerSkillFactory,
    OutletFactory,
    RoleFactory,
    SkillFactory,
    UserFactory,
)
from xiuhao.tasks import selectors, services
from xiuhao.tasks.models import EngineerState, Task, TaskEvent
from xiuhao.tasks.services import task_link
from xiuhao.tasks.types import get_task_type, register_task_type

from .fixtures_tasks import *  # noqa: F401,F403

pytestmark = pytest.mark.django_db


def actions(task):
    return list(task.events.values_list("action", flat=True))


def audited_verbs(task):
    return list(AuditEvent.objects.filter(object_id=str(task.pk), content_type__model="task")
                .order_by("pk").values_list("verb", flat=True))


def pool_task(actor, **kw):
    return services.task_create(actor=actor, kind="task.generic", title="Fix the copier", **kw)


# -- create / complete -------------------------------------------------------------------------------------
def test_a_task_with_an_assignee_is_open_and_the_assignee_hears_of_it(boss, worker, notices):
    task = services.task_create(actor=boss, kind="task.generic", title="Call the customer", assignee=worker)
    assert task.status == Task.Status.OPEN and task.branch == boss.branch
    assert actions(task) == ["created", "assigned"]
    assert audited_verbs(task) == [""]
    assert [(n["to"], n["kind"], n["url"]) for n in notices] == [([worker.pk], "task_assigned", task_link(task))]


def test_a_task_without_an_assignee_waits_in_the_pool(boss):
    task = pool_task(boss)
    assert task.status == Task.Status.POOL and task.assignee is None
    assert actions(task) == ["created", "offered"]


def test_a_task_needs_a_title(boss):
    with pytest.raises(ValidationFailed) as exc:
        services.task_create(actor=boss, kind="task.generic", title="  ")
    assert "title" in exc.value.fields


def test_the_assignee_completes_a_task_with_its_outcome(boss, worker):
    register_task_type("test.approve", "Approve", outcomes=[("approve", "Approve"), ("reject", "Reject")])
    task = services.task_create(actor=boss, kind="test.approve", title="Approve it", assignee=worker)
    with pytest.raises(ValidationFailed):
        services.task_complete(actor=worker, task=task, outcome="maybe")
    services.task_complete(actor=worker, task=task, outcome="approve", data={"note": "ok"})
    task.refresh_from_db()
    assert (task.status, task.outcome, task.data, task.completed_by) == ("done", "approve", {"note": "ok"}, worker)
    assert actions(task)[-1] == "completed" and audited_verbs(task)[-1] == "complete"
    assert get_task_type("test.approve").outcome_label("reject") == "Reject"


def test_only_the_assignee_completes_and_only_once(boss, worker, colleague, english):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=colleague, task=task)
    services.task_complete(actor=worker, task=task)
    with pytest.raises(Conflict, match="already been completed"):
        services.task_complete(actor=worker, task=task)


@pytest.fixture
def completed_hook(monkeypatch):
    """A subscriber to the completion hook (as the workflow app subscribes), for one test."""
    from xiuhao.tasks import hooks

    monkeypatch.setattr(hooks, "_completed", {})
    seen = []

    def subscriber(*, task, actor):
        from django.db import connection

        seen.append((task.pk, task.status, task.outcome, actor, connection.in_atomic_block))
        if task.title == "Fails":
            raise Conflict("The next step failed.")

    hooks.on_task_completed(subscriber)
    hooks.on_task_completed(subscriber)  # subscribing again does not run it twice
    return seen


def test_a_completion_runs_the_completion_hooks_in_its_transaction(boss, worker, completed_hook):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    services.task_complete(actor=worker, task=task, outcome="ok")
    assert completed_hook == [(task.pk, "done", "ok", worker, True)]


def test_a_failing_completion_hook_rolls_the_completion_back(boss, worker, completed_hook):
    task = services.task_create(actor=boss, kind="task.generic", title="Fails", assignee=worker)
    with pytest.raises(Conflict, match="next step failed"):
        services.task_complete(actor=worker, task=task)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and task.completed_at is None
    assert actions(task) == ["created", "assigned"] and "complete" not in audited_verbs(task)


# -- the pool ---------------------------------------------------------------------------------------------
def test_only_one_claimant_wins_and_the_other_hears_who(boss, worker, colleague, english):
    task = pool_task(boss)
    services.task_claim(actor=worker, task=task)
    assert task.status == Task.Status.OPEN and task.assignee == worker
    with pytest.raises(Conflict, match=f"already been claimed by {worker}"):
        services.task_claim(actor=colleague, task=Task.objects.get(pk=task.pk))
    assert actions(task) == ["created", "offered", "claimed"]
    assert audited_verbs(task)[-1] == "claim"


def test_a_pool_task_of_another_branch_is_not_offered_and_answers_like_a_missing_one(boss, english):
    stranger = UserFactory(branch=BranchFactory())
    task = pool_task(boss)
    assert not selectors.may_claim(stranger, task)
    with pytest.raises(NotFound):  # not "not offered to you": that would tell him the task exists
        services.task_claim(actor=stranger, task=task)


def test_a_candidate_role_limits_the_pool(boss, worker, colleague):
    role = RoleFactory(data_scope="self")
    worker.roles.add(role)
    worker.__dict__.pop("_active_roles", None)
    task = pool_task(boss, candidate_role=role)
    assert selectors.may_claim(worker, task)
    assert not selectors.may_claim(colleague, task)


def test_a_candidate_department_offers_the_task_to_its_sub_departments_too(boss, branch, dept):
    team = DepartmentFactory(branch=branch, parent=dept)
    below = UserFactory(branch=branch, department=team)
    sibling = UserFactory(branch=branch, department=DepartmentFactory(branch=branch))
    other_branch = BranchFactory()
    far_below = UserFactory(branch=other_branch, department=DepartmentFactory(branch=other_branch))
    task = pool_task(boss, candidate_department=dept)
    assert selectors.may_claim(below, task)
    assert not selectors.may_claim(sibling, task)
    assert not selectors.may_claim(far_below, task)


def test_a_region_is_claimed_by_engineers_serving_it_or_a_region_around_it(boss):
    shenzhen = Region.objects.get(code="440300")
    futian = Region.objects.get(code="440304")
    guangzhou = Region.objects.get(code="440100")
    other_branch = BranchFactory()  # a named region offers the task across branches
    near = EngineerFactory(user=UserFactory(branch=other_branch))
    near.regions.set([shenzhen])
    far = EngineerFactory(user=UserFactory(branch=boss.branch))
    far.regions.set([guangzhou])
    task = pool_task(boss, candidate_region=futian)
    assert selectors.may_claim(near.user, task)
    assert not selectors.may_claim(far.user, task)
    assert not selectors.may_claim(UserFactory(branch=boss.branch), task)  # no engineer profile


def test_a_skill_is_needed_when_the_task_asks_for_it(boss, branch):
    skill = SkillFactory()
    skilled = EngineerSkillFactory(engineer=EngineerFactory(user=UserFactory(branch=branch)), skill=skill)
    unskilled = EngineerFactory(user=UserFactory(branch=branch))
    task = pool_task(boss, candidate_skill=skill)
    assert selectors.may_claim(skilled.engineer.user, task)
    assert not selectors.may_claim(unskilled.user, task)


def test_an_outlets_task_is_for_its_users_only(boss, branch):
    outlet = OutletFactory(branch=branch)
    inside = UserFactory(kind="outlet", outlet=outlet)
    outside = UserFactory(kind="outlet", outlet=OutletFactory(branch=branch))
    task = pool_task(boss, outlet=outlet)
    assert selectors.may_claim(inside, task)
    assert not selectors.may_claim(outside, task)
    assert not selectors.may_claim(UserFactory(branch=branch), task)


# -- transfer / return ------------------------------------------------------------------------------------
def test_a_transfer_needs_a_reason_and_tells_the_receiver(boss, worker, colleague, notices):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    with pytest.raises(ValidationFailed) as exc:
        services.task_transfer(actor=worker, task=task, to_user=colleague, reason=" ")
    assert "reason" in exc.value.fields
    notices.clear()
    services.task_transfer(actor=worker, task=task, to_user=colleague, reason="On leave")
    assert task.assignee == colleague and task.previous_assignee == worker
    event = task.events.get(action="transferred")
    assert (event.from_user, event.to_user, event.reason) == (worker, colleague, "On leave")
    assert audited_verbs(task)[-1] == "transfer"
    assert [(n["to"], n["kind"]) for n in notices] == [([colleague.pk], "task_transferred")]


def test_a_transfer_goes_only_to_someone_the_assignee_may_reach(boss, worker):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    stranger = UserFactory(branch=BranchFactory())
    with pytest.raises(ValidationFailed):
        services.task_transfer(actor=worker, task=task, to_user=stranger, reason="why")


def test_a_returned_pool_task_goes_back_to_the_pool(boss, worker):
    role = RoleFactory()
    worker.roles.add(role)
    worker.__dict__.pop("_active_roles", None)
    task = pool_task(boss, candidate_role=role)
    services.task_claim(actor=worker, task=task)
    services.task_return(actor=worker, task=task, reason="Too far")
    task.refresh_from_db()
    assert task.status == Task.Status.POOL and task.assignee is None and task.previous_assignee == worker
    assert actions(task)[-1] == "returned"
    assert selectors.may_claim(worker, task)


def test_a_returned_task_goes_back_to_whoever_gave_it(boss, worker, colleague):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    services.task_transfer(actor=worker, task=task, to_user=colleague, reason="busy")
    services.task_return(actor=colleague, task=task, reason="not mine")
    assert task.assignee == worker
    services.task_return(actor=worker, task=task, reason="not mine either")
    assert task.assignee == colleague  # the previous assignee now
    direct = services.task_create(actor=boss, kind="task.generic", title="y", assignee=worker)
    services.task_return(actor=worker, task=direct, reason="no")
    assert direct.assignee == boss  # its creator


# -- urge / reassign / cancel -------------------------------------------------------------------------------
def test_urging_notifies_the_assignee_once_in_a_while(boss, worker, notices):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    notices.clear()
    services.task_urge(actor=boss, task=task, note="Customer called twice")
    assert task.urge_count == 1 and task.last_urged_at is not None
    assert notices[-1]["to"] == [worker.pk] and notices[-1]["kind"] == "task_urged"
    assert "Customer called twice" in notices[-1]["body"]
    with pytest.raises(Conflict):
        services.task_urge(actor=boss, task=task)
    assert actions(task)[-1] == "urged" and audited_verbs(task)[-1] == "urge"


def test_a_stranger_cannot_urge(boss, worker):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    with pytest.raises(NotFound):
        services.task_urge(actor=UserFactory(branch=BranchFactory()), task=task)


def test_a_manager_reassigns_with_a_reason_and_others_may_not(boss, worker, colleague):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    with pytest.raises(PermissionDenied):
        services.task_reassign(actor=worker, task=task, to_user=colleague, reason="x")
    with pytest.raises(ValidationFailed):
        services.task_reassign(actor=boss, task=task, to_user=colleague, reason="")
    services.task_reassign(actor=boss, task=task, to_user=colleague, reason="Workload")
    assert task.assignee == colleague and task.previous_assignee == worker
    pool = pool_task(boss)
    services.task_reassign(actor=boss, task=pool, to_user=worker, reason="Nobody took it")
    assert pool.status == Task.Status.OPEN and pool.assignee == worker
    assert actions(pool)[-1] == "reassigned"


def test_the_creator_cancels_a_task_and_no_one_can_move_it_after(boss, worker):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    with pytest.raises(PermissionDenied):
        services.task_cancel(actor=UserFactory(branch=boss.branch), task=task)
    services.task_cancel(actor=boss, task=task, reason="Duplicate")
    assert task.status == Task.Status.CANCELLED
    with pytest.raises(Conflict):
        services.task_complete(actor=worker, task=task)
    services_cancelled = pool_task(boss)
    services.task_cancel(actor=None, task=services_cancelled)  # the system (the process engine)
    assert services_cancelled.status == Task.Status.CANCELLED


# -- engineer state -----------------------------------------------------------------------------------------
def test_an_engineer_sets_their_state_with_their_task(worker, boss):
    task = services.task_create(actor=boss, kind="task.generic", title="x", assignee=worker)
    state = services.engineer_set_state(actor=worker, user=worker, state="travelling", task=task, lat=22.5, lng=114)
    assert state.state == EngineerState.State.TRAVELLING and state.task == task
    since = state.since
    state = services.engineer_set_state(actor=worker, user=worker, state="travelling", task=task)
    assert state.since == since  # the same state goes on
    with pytest.raises(ValidationFailed):
        services.engineer_set_state(actor=worker, user=worker, state="flying")
    with pytest.raises(ValidationFailed):
        services.engineer_set_state(actor=worker, user=worker, state="idle", lat=200)
    with pytest.raises(PermissionDenied):
        services.engineer_set_state(actor=UserFactory(branch=boss.branch), user=worker, state="idle")
    other = services.task_create(actor=boss, kind="task.generic", title="y", assignee=boss)
    with pytest.raises(ValidationFailed):
        services.engineer_set_state(actor=worker, user=worker, state="on_site", task=other)


def test_my_open_tasks_put_the_most_urgent_first(boss, worker):
    now = timezone.now()
    later = services.task_create(actor=boss, kind="task.generic", title="later", assignee=worker,
                                 due_at=now + timezone.timedelta(days=2))
    soon = services.task_create(actor=boss, kind="task.generic", title="soon", assignee=worker,
                                due_at=now + timezone.timedelta(hours=1))
    undated = services.task_create(actor=boss, kind="task.generic", title="whenever", assignee=worker)
    assert list(selectors.my_open_tasks(worker)) == [soon, later, undated]
    assert selectors.counts_by_kind(selectors.my_open_tasks(worker)) == {"task.generic": 3}
    assert TaskEvent.objects.filter(task=soon).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_notice_reaches_the_assignee_by_e_mail_after_commit(transactional_db, settings):
    from django.core import mail

    settings.NOTIFIERS = ["xiuhao.core.notify.email_adapter"]
    branch = BranchFactory()
    boss, worker = UserFactory(branch=branch), UserFactory(branch=branch, email="w@example.com")
    services.task_create(actor=boss, kind="task.generic", title="Call the customer", assignee=worker)
    assert [m.to for m in mail.outbox] == [["w@example.com"]]


def test_an_overdue_task_is_reminded_once(boss, worker, notices):
    from xiuhao.tasks import jobs

    late = services.task_create(actor=boss, kind="task.generic", title="late", assignee=worker,
                                due_at=timezone.now() - timezone.timedelta(minutes=5))
    services.task_create(actor=boss, kind="task.generic", title="fine", assignee=worker,
                         due_at=timezone.now() + timezone.timedelta(hours=5))
    notices.clear()
    assert jobs.remind_overdue() == 1
    assert jobs.remind_overdue() == 0
    assert [(n["to"], n["kind"]) for n in notices] == [([worker.pk], "task_overdue")]
    Task.objects.filter(pk=late.pk).update(due_at=timezone.now() - timezone.timedelta(minutes=1))
    assert jobs.remind_overdue() == 1  # a new due time, passed again: one more reminder


def test_may_answers_exactly_what_the_move_itself_would(boss, worker, colleague, branch):
    """The pages show a move by Task.moves.may; for every actor, task status and move, the answer is
    what the service does with valid input (a refusal, or the move done)."""
    from django.db import transaction

    from xiuhao.core.errors import ServiceError

    outsider = UserFactory(branch=BranchFactory())
    third = UserFactory(branch=branch, department=boss.department)
    open_task = services.task_create(actor=boss, kind="task.generic", title="open", assignee=worker)
    pool = pool_task(boss)
    done = services.task_create(actor=boss, kind="task.generic", title="done", assignee=worker)
    services.task_complete(actor=worker, task=done)
    cancelled = pool_task(boss)
    services.task_cancel(actor=boss, task=cancelled)
    inputs = {"claim": {}, "complete": {}, "transfer": {"to_user": third, "reason": "x"},
              "return": {"reason": "x"}, "urge": {"note": "x"}, "reassign": {"to_user": third, "reason": "x"},
              "cancel": {"reason": "x"}}
    seen = set()
    for actor in (boss, worker, colleague, outsider):
        for task in (open_task, pool, done, cancelled):
            for move in Task.moves.moves:
                task = Task.objects.get(pk=task.pk)
                allowed = Task.moves.may(actor, task, move)
                try:
                    with transaction.atomic():
                        Task.moves.perform(move, actor=actor, obj=task, data=inputs[move])
                        # each move made writes its history row and one audit event with its verb
                        assert actions(task)[-1] == services.EVENTS[move]
                        assert audited_verbs(task)[-1] == Task.moves[move].verb
                        if Task.moves[move].target is not None and move != "return":
                            assert Task.objects.get(pk=task.pk).status == Task.moves[move].target
                        raise RuntimeError("done")  # roll the move back
                except RuntimeError:
                    did = True
                except ServiceError:
                    did = False
                assert allowed == did, (actor, task.title, move)
                seen.add(did)
    assert seen == {True, False}
