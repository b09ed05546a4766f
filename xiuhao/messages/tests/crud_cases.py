"""CRUD/data-scope cases of messages and announcements (core/tests harness).

Only announcements are registered: messages have their own pages and API, limited to the
recipient (tests in test_messages*.py), which the registry's scope harness does not fit."""

from xiuhao.core.testing import crud_case
from xiuhao.tasks.models import Announcement


def announcement_in(branch, outlet=None, **kwargs):
    """A draft announcement written in `branch` (announcements have no outlet)."""
    fields = {"title": f"公告 {branch.code}", "body": "系统将于周六晚升级。", "audience": "all", **kwargs}
    return Announcement.objects.create(branch=branch, **fields)


crud_case("tasks.announcement", make=announcement_in,
          data=lambda b: {"title": "春节值班安排", "body": "各分公司请于本周五前报送值班表。", "audience": "all"},
          update={"title": "春节值班安排（更新）"})
