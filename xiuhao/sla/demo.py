"""Demo SLA set-up (`manage.py load_demo`, after org): the default business calendar (Mon–Fri
08:30–12:00 and 13:30–17:30, Saturday morning) with China's public holidays and make-up working
days 调休, a calendar of its own for the South China branch, a 24×7 calendar, and policies by
request type, priority and customer tier.

2026 follows the State Council's notice of 4 Nov 2025 (国办发明电〔2025〕7号). For 2027 only the
statutory days themselves are entered (marked 暂定): the arrangement with its make-up days is
published in November of the year before — add it then on the calendar's Holidays tab.

Idempotent: only calendars, periods, holidays and policies that are missing are created.
"""

import datetime

from django.db import transaction

from xiuhao.core import audit, context
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result, each
from xiuhao.org.models import Branch, User

from .models import BusinessCalendar, Holiday, SlaPolicy, WorkingPeriod

# What the demo roles (org.demo.ROLES) may do with the SLA set-up and clocks.
SLA_RULES = ["sla.businesscalendar", "sla.workingperiod", "sla.holiday", "sla.slapolicy"]
SLA_CLOCKS = ["sla.slaclock", "sla.slapause", "sla.slaalert"]
registry.demo_roles({
    "agent": {**each(SLA_RULES, "view"), **each(SLA_CLOCKS, "view"), "sla.slaclock": "view,change"},
    "dispatcher": {**each(SLA_RULES, "view,add,change,delete,export"), **each(SLA_CLOCKS, "view,export"),
                   "sla.slaclock": "view,change,export"},
    "engineer": {"sla.slaclock": "view"},
})

T = datetime.time
D = datetime.date
OFFICE = {**{d: [(T(8, 30), T(12)), (T(13, 30), T(17, 30))] for d in range(5)}, 5: [(T(8, 30), T(12))]}
SOUTH = {d: [(T(8), T(12)), (T(13), T(18))] for d in range(6)}


def _days(first, last):
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


# (date, name, make-up working day?)
HOLIDAYS = [
    *[(d, "元旦", False) for d in _days(D(2026, 1, 1), D(2026, 1, 3))], (D(2026, 1, 4), "元旦调休上班", True),
    *[(d, "春节", False) for d in _days(D(2026, 2, 15), D(2026, 2, 23))],
    (D(2026, 2, 14), "春节调休上班", True), (D(2026, 2, 28), "春节调休上班", True),
    *[(d, "清明节", False) for d in _days(D(2026, 4, 4), D(2026, 4, 6))],
    *[(d, "劳动节", False) for d in _days(D(2026, 5, 1), D(2026, 5, 5))], (D(2026, 5, 9), "劳动节调休上班", True),
    *[(d, "端午节", False) for d in _days(D(2026, 6, 19), D(2026, 6, 21))],
    *[(d, "中秋节", False) for d in _days(D(2026, 9, 25), D(2026, 9, 27))],
    *[(d, "国庆节", False) for d in _days(D(2026, 10, 1), D(2026, 10, 7))],
    (D(2026, 9, 20), "国庆节调休上班", True), (D(2026, 10, 10), "国庆节调休上班", True),
    # 2027: the statutory days only, until the State Council publishes the arrangement.
    (D(2027, 1, 1), "元旦（暂定）", False),
    *[(d, "春节（暂定）", False) for d in _days(D(2027, 2, 5), D(2027, 2, 8))],
    (D(2027, 4, 5), "清明节（暂定）", False),
    *[(d, "劳动节（暂定）", False) for d in _days(D(2027, 5, 1), D(2027, 5, 2))],
    (D(2027, 6, 9), "端午节（暂定）", False),
    (D(2027, 9, 15), "中秋节（暂定）", False),
    *[(d, "国庆节（暂定）", False) for d in _days(D(2027, 10, 1), D(2027, 10, 3))],
]

CALENDARS = [
    {"code": "default", "name": "默认工作日历", "is_default": True, "periods": OFFICE,
     "remark": "周一至周五 8:30–12:00、13:30–17:30，周六上午；法定节假日与调休"},
    {"code": "huanan", "name": "华南分公司日历", "branch": "huanan", "periods": SOUTH,
     "remark": "周一至周六 8:00–12:00、13:00–18:00"},
    {"code": "24x7", "name": "7×24 小时", "always_open": True, "periods": {}, "remark": "金牌客户紧急报修"},
]

H = 60
POLICIES = [
    {"name": "标准服务", "sequence": 100, "response_minutes": 8 * H, "arrival_minutes": 48 * H,
     "resolution_minutes": 72 * H},
    {"name": "银牌客户", "sequence": 50, "customer_tier": "silver", "response_minutes": 4 * H,
     "arrival_minutes": 24 * H, "resolution_minutes": 48 * H},
    {"name": "金牌客户", "sequence": 40, "customer_tier": "gold", "response_minutes": 2 * H,
     "arrival_minutes": 8 * H, "resolution_minutes": 24 * H},
    {"name": "金牌客户紧急报修（7×24）", "sequence": 10, "customer_tier": "gold", "priority": "urgent",
     "request_type": "repair", "response_minutes": 30, "arrival_minutes": 4 * H, "resolution_minutes": 12 * H,
     "calendar": "24x7", "escalate_1_after": 0, "escalate_2_after": 30, "escalate_3_after": 120},
    {"name": "紧急维修", "sequence": 20, "priority": "urgent", "request_type": "repair", "response_minutes": H,
     "arrival_minutes": 8 * H, "resolution_minutes": 24 * H},
    {"name": "远程支持", "sequence": 60, "request_type": "remote", "response_minutes": H,
     "resolution_minutes": 8 * H},
    {"name": "技术咨询", "sequence": 60, "request_type": "consultation", "response_minutes": 4 * H,
     "resolution_minutes": 16 * H},
    {"name": "客户投诉", "sequence": 30, "request_type": "complaint", "response_minutes": 2 * H,
     "resolution_minutes": 24 * H, "escalate_1_after": 0, "escalate_2_after": 60, "escalate_3_after": 240},
    {"name": "华南分公司安装", "sequence": 70, "branch": "huanan", "request_type": "installation",
     "response_minutes": 4 * H, "arrival_minutes": 72 * H, "resolution_minutes": 96 * H},
]


class _Loader:
    def __init__(self):
        self.result = Result()
        self.admin = User.objects.filter(username="admin").first()
        self.branches = {b.code: b for b in Branch.objects.all()}

    def run(self):
        calendars = {c.code: c for c in BusinessCalendar.objects.all()}
        for spec in CALENDARS:
            if spec.get("branch") and spec["branch"] not in self.branches:
                continue
            calendar = calendars.get(spec["code"])
            if calendar is None:
                calendar = calendars[spec["code"]] = self.calendar(spec)
            if not calendar.always_open:
                self.holidays(calendar)
        existing = set(SlaPolicy.objects.values_list("name", flat=True))
        for spec in POLICIES:
            if spec["name"] in existing or (spec.get("branch") and spec["branch"] not in self.branches):
                continue
            data = {**spec, "branch": self.branches.get(spec.get("branch")),
                    "calendar": calendars.get(spec.get("calendar"))}
            policy = SlaPolicy.objects.create(**data)
            audit.record(actor=self.admin, action="create", obj=policy, after=audit.snapshot(policy), verb="demo")
            self.result.count("SLA policies")
        return self.result

    def calendar(self, spec):
        calendar = BusinessCalendar.objects.create(
            code=spec["code"], name=spec["name"], branch=self.branches.get(spec.get("branch")),
            is_default=spec.get("is_default", False), always_open=spec.get("always_open", False),
            remark=spec.get("remark", ""))
        WorkingPeriod.objects.bulk_create([WorkingPeriod(calendar=calendar, weekday=day, start_time=s, end_time=e)
                                           for day, spans in spec["periods"].items() for s, e in spans])
        audit.record(actor=self.admin, action="create", obj=calendar, after=audit.snapshot(calendar), verb="demo")
        self.result.count("business calendars")
        return calendar

    def holidays(self, calendar):
        have = set(calendar.holidays.values_list("date", flat=True))
        rows = [Holiday(calendar=calendar, date=day, name=name, works_as=0,
                        kind=Holiday.Kind.WORKDAY if workday else Holiday.Kind.HOLIDAY)
                for day, name, workday in HOLIDAYS if day not in have]
        if rows:
            Holiday.objects.bulk_create(rows)
            BusinessCalendar.objects.filter(pk=calendar.pk).update(updated_at=calendar.updated_at
                                                                   + datetime.timedelta(microseconds=1))
            audit.record(actor=self.admin, action="update", obj=calendar, verb="demo",
                         message=f"演示数据：{len(rows)} 个节假日与调休日")
            self.result.created["holidays"] = self.result.created.get("holidays", 0) + len(rows)


def load():
    """Load (or complete) the demo SLA set-up; returns what was created."""
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _Loader().run()


registry.demo_step("sla", load, after=["org"])

from . import demo_clocks  # noqa: E402,F401  (its own step: the clocks on the demo tasks)
