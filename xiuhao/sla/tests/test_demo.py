"""The demo SLA set-up: calendars with the 2026 holidays, policies, idempotent."""

import pytest

from xiuhao.core.models import AuditEvent
from xiuhao.org import demo as org_demo
from xiuhao.org.models import Branch
from xiuhao.sla import demo, services
from xiuhao.sla.models import BusinessCalendar, Holiday, SlaPolicy

from .conftest import at

pytestmark = pytest.mark.django_db


def test_the_demo_calendars_know_the_holidays_and_a_second_load_adds_nothing():
    org_demo.load()
    result = demo.load()
    assert result.created["business calendars"] == 3 and result.created["SLA policies"] == len(demo.POLICIES)
    default = BusinessCalendar.objects.get(is_default=True)
    assert default.holidays.filter(kind=Holiday.Kind.WORKDAY, date__year=2026).count() == 6
    cal = services.work_calendar(default)
    assert cal.add_business(at(2026, 9, 30, 17, 0), 60) == at(2026, 10, 8, 9, 0)  # over National Day
    assert cal.add_business(at(2026, 2, 13, 17, 0), 60) == at(2026, 2, 14, 9, 0)  # a make-up Saturday, all day
    south = Branch.objects.get(code="huanan")
    assert services.sla_targets(branch=south).calendar.code == "huanan"
    gold = services.sla_targets(branch=south, customer_tier="gold", priority="urgent", request_type="repair")
    assert gold.calendar.code == "24x7" and gold.minutes["response"] == 30
    counts = (BusinessCalendar.objects.count(), Holiday.objects.count(), SlaPolicy.objects.count(),
              AuditEvent.objects.count())
    assert demo.load().total == 0
    assert (BusinessCalendar.objects.count(), Holiday.objects.count(), SlaPolicy.objects.count(),
            AuditEvent.objects.count()) == counts
