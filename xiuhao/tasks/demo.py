"""Demo tasks (`manage.py load_demo`, after org and the SLA set-up): to-dos for the demo accounts in every status —
open (some overdue, one urged), done and cancelled over the past week — tasks waiting in the grab
pool of South China (offered to the engineer role, to a district, to a skill), and the engineers'
states for the status board (the demo roles' Task Centre permissions are contributed below).

Everything goes through the task services, so the moves have their history. Idempotent: a second
run finds the demo tasks (marked `data.demo`) and writes nothing."""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xiuhao.core import context
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result
from xiuhao.org.models import Region, Role, Skill, User

from . import services
from .models import EngineerState, Priority, Task
from .types import GENERIC

# What the demo roles (org.demo.ROLES) may do in the Task Centre.
registry.demo_roles({
    "agent": {"tasks.task": "view,add", "tasks.taskevent": "view"},
    "dispatcher": {"tasks.task": "view,add,change,export,reassign", "tasks.task_board": "view",
                   "tasks.taskevent": "view", "tasks.engineerstate": "view,change"},
    "engineer": {"tasks.task": "view", "tasks.taskevent": "view"},
    "outlet": {"tasks.task": "view", "tasks.taskevent": "view"},
})

# assignee, title, description, priority, due in hours (None: no due time), created days ago
OPEN = [
    ("engineer", "回访深圳市人民医院 CT 室", "上周更换球管后回访使用情况，记录曝光次数。", Priority.HIGH, 4, 0),
    ("engineer", "整理南山区巡检报告", "本月 5 台设备巡检报告上传系统。", Priority.NORMAL, 30, 1),
    ("engineer", "补交差旅报销单据", "", Priority.LOW, None, 2),
    ("engineer", "确认福田区超声探头到货", "仓库通知探头已到，请确认型号后预约上门。", Priority.URGENT, -5, 2),
    ("engineer", "更新个人技能证书", "上传最新的辐射安全培训证书。", Priority.NORMAL, 72, 3),
    ("dispatcher", "审核本周工程师排班", "", Priority.HIGH, 8, 0),
    ("dispatcher", "跟进宝安区客户投诉", "客户反映上门迟到，核实后回复客户。", Priority.URGENT, -2, 1),
    ("dispatcher", "准备季度服务报告", "", Priority.NORMAL, 120, 4),
    ("chenhao", "冰箱温控器备件申请跟进", "", Priority.NORMAL, 20, 1),
    ("chenhao", "龙岗区实验室设备年检", "", Priority.HIGH, -20, 3),
    ("liangjunjie", "东莞客户软件升级预约", "", Priority.NORMAL, 48, 0),
    ("wuqiang", "广州天河区空调维保计划", "", Priority.LOW, 96, 2),
    ("warehouse", "盘点华南仓压缩机库存", "", Priority.NORMAL, 24, 1),
    ("sunhao", "上海徐汇区 DR 设备回访", "", Priority.NORMAL, 10, 0),
    ("hetao", "成都武侯区 CT 故障复查", "", Priority.HIGH, -3, 1),
]
# assignee, title, days ago (created and completed that day)
DONE = [
    ("engineer", "更换龙华医院监护仪电池", 1),
    ("engineer", "南山区诊所网络故障排查", 2),
    ("engineer", "提交上月工时记录", 4),
    ("engineer", "福田区 B 超例行保养", 5),
    ("dispatcher", "确认外包网点结算单", 1),
    ("dispatcher", "安排新员工培训", 3),
    ("chenhao", "实验室离心机校准", 2),
    ("liangjunjie", "东莞客户远程支持", 1),
    ("wuqiang", "广州客户空调清洗", 3),
]
# title, description, offered to (role code / region code / skill code), due in hours
POOL = [
    ("南山区口腔诊所牙椅漏水", "客户报修：牙椅水路漏水，需上门检查。", {"region": "440305"}, 6),
    ("福田区体检中心 X 光机无法曝光", "", {"region": "440304", "skill": "xray"}, 4),
    ("宝安区工厂医务室空调不制冷", "", {"role": "engineer"}, 24),
    ("深圳湾社康中心超声图像噪点", "", {"skill": "ultrasound"}, 12),
    ("罗湖区药房冷柜温度报警", "", {"region": "440303"}, 8),
    ("华南分公司周末值班", "本周六值班一人，领取即确认。", {"role": "engineer"}, 48),
]
STATES = [
    ("engineer", EngineerState.State.ON_SITE, 35), ("chenhao", EngineerState.State.TRAVELLING, 12),
    ("liangjunjie", EngineerState.State.IDLE, 50), ("wuqiang", EngineerState.State.OFF_DUTY, 600),
    ("sunhao", EngineerState.State.IDLE, 20), ("zhuming", EngineerState.State.ON_SITE, 90),
    ("hetao", EngineerState.State.TRAVELLING, 25), ("tangchao", EngineerState.State.IDLE, 5),
    ("xiongwei", EngineerState.State.OFF_DUTY, 300),
]


class _Loader:
    def __init__(self):
        self.result = Result()
        self.users = User.objects.select_related("branch", "department").in_bulk(field_name="username")
        self.admin = self.users.get("admin")
        self.now = timezone.now()

    def run(self):
        if self.admin is None:
            return self.result
        if Task.objects.filter(data__demo=True).exists():
            return self.result
        self.open_tasks()
        self.done_tasks()
        self.pool()
        self.states()
        return self.result

    def giver(self, user):
        """Who hands out a demo to-do: the branch's service manager, or the administrator."""
        manager = {"huanan": "dispatcher", "huadong": "zhoujun", "xinan": "yangfan", "huazhong": "huanglei"}
        giver = self.users.get(manager.get(user.branch.code if user.branch_id else "", ""), self.admin)
        return self.admin if giver == user else giver

    def backdate(self, task, days):
        at = self.now - datetime.timedelta(days=days, hours=1)
        Task.objects.filter(pk=task.pk).update(created_at=at)
        task.events.update(at=at)
        return at

    def todo(self, username, title, description="", priority=Priority.NORMAL, due_hours=None):
        user = self.users.get(username)
        if user is None:
            return None
        due = self.now + datetime.timedelta(hours=due_hours) if due_hours is not None else None
        task = services.task_create(actor=self.giver(user), kind=GENERIC, title=title, description=description,
                                    assignee=user, priority=priority, due_at=due, data={"demo": True})
        self.result.count("tasks")
        return task

    def open_tasks(self):
        for username, title, description, priority, due_hours, days in OPEN:
            task = self.todo(username, title, description, priority, due_hours)
            if task is not None:
                self.backdate(task, days)
        late = Task.objects.filter(title="确认福田区超声探头到货", data__demo=True).first()
        if late is not None and self.users.get("dispatcher"):
            services.task_urge(actor=self.users["dispatcher"], task=late, note="客户今天已来电两次")
        cancelled = self.todo("engineer", "预约罗湖区客户上门（客户已取消）")
        if cancelled is not None:
            services.task_cancel(actor=self.giver(self.users["engineer"]), task=cancelled, reason="客户取消报修")

    def done_tasks(self):
        for username, title, days in DONE:
            task = self.todo(username, title)
            if task is None:
                continue
            services.task_complete(actor=self.users[username], task=task)
            at = self.backdate(task, days)
            Task.objects.filter(pk=task.pk).update(completed_at=at + datetime.timedelta(hours=3))

    def pool(self):
        dispatcher = self.users.get("dispatcher")
        if dispatcher is None:
            return
        role = Role.objects.filter(code="engineer").first()
        for title, description, offer, due_hours in POOL:
            task = services.task_create(
                actor=dispatcher, kind=GENERIC, title=title, description=description,
                candidate_role=role if offer.get("role") else None,
                candidate_region=Region.objects.filter(code=offer["region"]).first() if offer.get("region") else None,
                candidate_skill=Skill.objects.filter(code=offer["skill"]).first() if offer.get("skill") else None,
                branch=dispatcher.branch, due_at=self.now + datetime.timedelta(hours=due_hours),
                priority=Priority.HIGH if due_hours <= 6 else Priority.NORMAL, data={"demo": True})
            self.result.count("pool tasks")
            if title.startswith("华南分公司周末值班") and self.users.get("chenhao"):
                # one was claimed and given back: its history shows the return to the pool
                services.task_claim(actor=self.users["chenhao"], task=task)
                services.task_return(actor=self.users["chenhao"], task=task, reason="周六已有安排")

    def states(self):
        for username, state, minutes in STATES:
            user = self.users.get(username)
            if user is None:
                continue
            current = (Task.objects.filter(assignee=user, status=Task.Status.OPEN)
                       .order_by(F("due_at").asc(nulls_last=True)).first()
                       if state in (EngineerState.State.ON_SITE, EngineerState.State.TRAVELLING) else None)
            services.engineer_set_state(actor=user, user=user, state=state, task=current)
            EngineerState.objects.filter(user=user).update(since=self.now - datetime.timedelta(minutes=minutes))
            self.result.count("engineer states")


def load():
    """Load the demo tasks (once); returns what was created."""
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _Loader().run()


# After the SLA set-up, as in a company that sets its service levels before the first task comes in.
registry.demo_step("tasks", load, after=["org", "sla"])
