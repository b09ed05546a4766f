"""The demo tasks: my tasks for the demo accounts, a grab pool for the engineer, engineer states;
a second load adds nothing."""

import pytest

from xiuhao.org.management.commands.load_demo import load_all
from xiuhao.org.models import User
from xiuhao.tasks import demo, selectors
from xiuhao.tasks.models import EngineerState, Task

pytestmark = pytest.mark.django_db


def test_the_demo_gives_every_demo_account_something_to_do():
    load_all()
    engineer, dispatcher = User.objects.get(username="engineer"), User.objects.get(username="dispatcher")
    assert selectors.my_open_tasks(engineer).count() >= 5
    assert selectors.my_open_tasks(dispatcher).count() >= 3
    assert selectors.pool_for(engineer).count() >= 4  # his districts, his skills, his role
    statuses = set(Task.objects.filter(data__demo=True).values_list("status", flat=True))
    assert statuses == {"open", "done", "cancelled", "pool"}
    assert any(selectors.is_overdue(t) for t in selectors.my_open_tasks(engineer))
    assert EngineerState.objects.filter(state="on_site", task__isnull=False).exists()
    assert dispatcher.has_perm("tasks.view_task_board") and dispatcher.has_perm("tasks.reassign_task")
    returned = Task.objects.get(title="华南分公司周末值班")
    assert returned.status == "pool" and returned.events.filter(action="returned").exists()
    count = Task.objects.count()
    assert demo.load().total == 0
    assert Task.objects.count() == count
