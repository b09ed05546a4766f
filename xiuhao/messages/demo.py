"""Demo announcements and messages (`manage.py load_demo`, after org): three announcements
published through the approval process (approved by the demo administrator), one waiting for
approval — a pool task in the administrator's 我的任务 — and a welcome message for each demo
account, so that the bell in the top bar shows unread messages on a fresh demo.

Idempotent: announcements are found by title and messages by recipient and subject; a second run
writes nothing."""

from django.db import transaction

from xiuhao.core import context
from xiuhao.core.notify import Notice
from xiuhao.core.registry import registry
from xiuhao.org.demo import DEMO_ACCOUNTS, Result
from xiuhao.org.models import Branch, User
from xiuhao.tasks.models import Announcement, Message, Task

from . import announcements
from .notify import inapp_adapter

# What the demo roles (org.demo.ROLES) may do with announcements (the model is in the tasks app).
registry.demo_roles({"dispatcher": {"tasks.announcement": "view,add,change,delete,export"}})

PUBLISHED = [
    ("关于启用修好售后服务系统的通知",
     "各分公司、各部门：\n公司售后服务管理系统“修好”即日起正式启用。报修、派工、备件、结算均在系统中办理，"
     "工程师请使用手机端（微信、企业微信、钉钉内均可打开）。\n如有问题请联系信息部（分机 8830）。", "all", None),
    ("2026 年春节期间售后值班安排",
     "春节期间（2 月 15 日至 2 月 23 日）各分公司安排值班工程师，400 热线 24 小时有人接听。"
     "值班表请于 2 月 10 日前报送总部客服中心。", "all", None),
    ("华南分公司：备件领用流程调整",
     "自下月 1 日起，华南分公司备件领用改为在系统中提交申请，经仓管确认后出库，纸质领料单停用。", "branch", "huanan"),
]
PENDING = ("夏季空调高峰服务保障通知",
           "6 月至 8 月为空调维修高峰，各分公司请提前备足压缩机、电容等常用备件，工程师手机保持畅通。", "all", None)
WELCOME = ("欢迎使用修好", "这里是“我的消息”：系统通知、任务提醒和公告都会出现在这里。未读消息会在页面右上角的铃铛上显示数量。")


def _audience(code, branch_code):
    if code == "branch":
        return {"audience": "branch", "audience_branch": Branch.objects.filter(code=branch_code).first()}
    return {"audience": "all"}


class _Loader:
    def __init__(self):
        self.result = Result()
        self.admin = User.objects.filter(username="admin").first()

    def run(self):
        if self.admin is None:
            return self.result
        for title, body, audience, branch_code in PUBLISHED:
            self.announcement(title, body, audience, branch_code, publish=True)
        self.announcement(*PENDING, publish=False)
        self.welcome()
        return self.result

    def announcement(self, title, body, audience, branch_code, *, publish):
        if Announcement.objects.filter(title=title).exists():
            return
        data = {"title": title, "body": body, **_audience(audience, branch_code)}
        if data.get("audience") == "branch" and data.get("audience_branch") is None:
            return
        announcement = announcements.announcement_create(actor=self.admin, data=data)
        announcement = announcements.announcement_submit(actor=self.admin, announcement=announcement)
        self.result.count("announcements")
        if publish:
            from xiuhao.tasks.services import task_claim, task_complete

            task = Task.objects.get(process_instance=announcement.process_instance, kind=announcements.TASK_TYPE)
            task = task_claim(actor=self.admin, task=task)
            task_complete(actor=self.admin, task=task, outcome="approve", data={"reason": ""})

    def welcome(self):
        users = list(User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS]).values_list("pk", flat=True))
        have = set(Message.objects.filter(recipient__in=users, subject=WELCOME[0]).values_list("recipient", flat=True))
        missing = [pk for pk in users if pk not in have]
        if missing:
            inapp_adapter(Notice(missing, WELCOME[0], WELCOME[1], url="/messages/", kind="system"))
            self.result.created["messages"] = len(missing)


def load():
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _Loader().run()


# After the tasks (the approval waits as a pool task) and the SLA clocks (whose alerts arrive first).
registry.demo_step("messages", load, after=["org", "tasks", "sla_clocks"])
