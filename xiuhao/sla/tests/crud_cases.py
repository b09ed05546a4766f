import datetime

from django.utils import timezone

from xiuhao.core.testing import crud_case
from xiuhao.sla.models import Holiday, SlaAlert, SlaPause, SlaPolicy, WorkingPeriod

from .factories import calendar_in, clock_in


def _period(branch):
    calendar = calendar_in(branch)
    n = WorkingPeriod.objects.filter(calendar=calendar, weekday=6).count()
    return WorkingPeriod.objects.create(calendar=calendar, weekday=6, start_time=datetime.time(n, 0),
                                        end_time=datetime.time(n, 30))


def _holiday(branch):
    calendar = calendar_in(branch)
    n = Holiday.objects.filter(calendar=calendar).count()
    return Holiday.objects.create(calendar=calendar, date=datetime.date(2026, 10, 1) + datetime.timedelta(days=n),
                                  name="国庆节")


POLICY = {"sequence": 10, "is_active": True, "request_type": "repair", "priority": "urgent", "customer_tier": "gold",
          "response_minutes": 30, "arrival_minutes": 240, "resolution_minutes": 480, "use_contract_targets": True,
          "calendar": None, "warn_first_pct": 50, "warn_second_pct": 80, "escalate_1_after": 30,
          "escalate_2_after": 120, "escalate_3_after": 480}

crud_case("sla.businesscalendar", make=lambda b, o: calendar_in(b),
          data=lambda b: {"code": f"new-{b.pk}", "name": "新日历", "branch": b, "is_default": False,
                          "always_open": False, "remark": ""},
          update={"name": "改名的日历"})
crud_case("sla.workingperiod", make=lambda b, o: _period(b),
          data=lambda b: {"calendar": calendar_in(b), "weekday": 6, "start_time": "18:00", "end_time": "20:00"},
          update={"weekday": 3})
crud_case("sla.holiday", make=lambda b, o: _holiday(b),
          data=lambda b: {"calendar": calendar_in(b), "date": "2026-05-01", "name": "劳动节", "kind": "holiday",
                          "works_as": 0},
          update={"name": "劳动节（改）"})
crud_case("sla.slapolicy", make=lambda b, o: SlaPolicy.objects.create(name=f"{b.name}策略", branch=b,
                                                                     response_minutes=120),
          data=lambda b: {"name": "金牌紧急维修", "branch": b, **POLICY},
          update={"name": "金牌紧急维修（改）"})
crud_case("sla.slaclock", make=lambda b, o: clock_in(b, o), data=lambda b: {},
          moves={"pause": lambda clock: {"reason": "waiting_parts"}})
crud_case("sla.slapause", make=lambda b, o: SlaPause.objects.create(clock=clock_in(b, o), reason="waiting_parts",
                                                                    started_at=timezone.now()),
          data=lambda b: {})
crud_case("sla.slaalert", make=lambda b, o: SlaAlert.objects.create(clock=clock_in(b, o), level="warn_1", percent=50,
                                                                    sent_at=timezone.now()),
          data=lambda b: {})
