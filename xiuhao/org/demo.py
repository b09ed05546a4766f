"""Demo data set: a medical-equipment service company with branches, departments, roles,
employees, engineers, outlets and dictionaries (`python manage.py load_demo`).

Every write goes through the services (so the operation log shows how the company was set up)
except the very first administrator and role, which exist before anyone could act. Loading is
idempotent: records are looked up by their natural key (code, username) and only created when
missing; role permissions are brought back to the definitions below. A second run writes nothing.
"""

import copy
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from xiuhao.core import audit, context
from xiuhao.core.models import DictItem, DictType
from xiuhao.core.registry import registry
from xiuhao.core.scope import DataScope
from xiuhao.core.services import object_create, object_update

from . import services
from .models import (
    Branch,
    Department,
    Employee,
    Engineer,
    EngineerSkill,
    Outlet,
    OutletUser,
    Region,
    Role,
    Skill,
    User,
)

COMPANY = "修好医疗设备服务有限公司"
COMPANY_EN = "Xiuhao Medical Equipment Service Co., Ltd."
EMAIL_DOMAIN = "xiuhao.example"

# -- branches and departments ------------------------------------------------------------------------
BRANCHES = [
    {"code": "hq", "name": "北京总部", "is_headquarters": True, "region": "110000",
     "address": "北京市海淀区中关村南大街 36 号 8 层", "phone": "010-62718800"},
    {"code": "huadong", "name": "华东分公司", "region": "310000",
     "address": "上海市徐汇区漕溪北路 398 号 1203 室", "phone": "021-64871200"},
    {"code": "huanan", "name": "华南分公司", "region": "440300",
     "address": "深圳市南山区科技园科发路 8 号 B 座 6 层", "phone": "0755-86152300"},
    {"code": "xinan", "name": "西南分公司", "region": "510100",
     "address": "成都市武侯区人民南路四段 27 号 15 层", "phone": "028-85226600"},
    {"code": "huazhong", "name": "华中分公司", "region": "420100",
     "address": "武汉市武昌区中北路 108 号 20 层", "phone": "027-87316500"},
]

# Service regions 服务区域 of each branch (provinces): new customers there belong to the branch.
BRANCH_REGIONS = {
    "hq": ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
           "610000", "620000", "630000", "640000", "650000"],
    "huadong": ["310000", "320000", "330000", "340000", "350000", "360000", "370000"],
    "huanan": ["440000", "450000", "460000"],
    "xinan": ["500000", "510000", "520000", "530000", "540000"],
    "huazhong": ["410000", "420000", "430000"],
}

# (code suffix, name, parent suffix, last digits of the phone number)
HQ_DEPARTMENTS = [
    ("office", "总经理办公室", None, "8801"),
    ("rdq", "研发质量部", None, "8820"),
    ("it", "信息部", None, "8830"),
    ("fin", "财务部", None, "8840"),
    ("wh", "中央备件库", None, "8850"),
]
BRANCH_DEPARTMENTS = [
    ("cs", "客服中心", None, "01"),
    ("tech", "技术服务部", None, "02"),
    ("field1", "现场服务一组", "tech", "21"),
    ("field2", "现场服务二组", "tech", "22"),
    ("wh", "备件仓库", None, "03"),
    ("fin", "财务部", None, "04"),
]

# -- roles ---------------------------------------------------------------------------------------------
ORG_STRUCTURE = ["org.branch", "org.department", "org.employee", "org.user"]
ORG_SERVICE = ["org.engineer", "org.engineerskill", "org.skill", "org.outlet"]
REFERENCE = {"org.region": "view", "core.dicttype": "view", "core.dictitem": "view"}


def each(models, actions):
    """{model: actions} for each of `models` (the demo roles' grants are written with it)."""
    return {m: actions for m in models}


# Role definitions; what each role may do is contributed by every app's demo module for its own
# models (`registry.demo_roles`), this module for the organisation and the system's records.
ROLES = [
    {"code": "admin", "name": "系统管理员", "data_scope": DataScope.ALL, "permissions": "__all__",
     "description": "Administrator: organisation, roles, dictionaries, system settings; all data."},
    {"code": "agent", "name": "客服", "data_scope": DataScope.BRANCH,
     "description": "Customer-service agent: takes calls and follows requests of the own branch."},
    {"code": "dispatcher", "name": "售后经理/调度", "data_scope": DataScope.BRANCH,
     "description": "Service manager / dispatcher: dispatches and watches the own branch."},
    {"code": "engineer", "name": "工程师", "data_scope": DataScope.SELF,
     "description": "Field engineer: own tasks and records."},
    {"code": "warehouse", "name": "仓管", "data_scope": DataScope.DEPARTMENT_TREE,
     "description": "Warehouse keeper: parts of the own warehouse (department and below)."},
    {"code": "finance", "name": "财务", "data_scope": DataScope.BRANCH,
     "description": "Finance: receivables, payments and settlements of the own branch."},
    {"code": "quality", "name": "研发质量", "data_scope": DataScope.ALL,
     "description": "R&D / quality engineer: problem analysis and quality statistics over all data."},
    {"code": "outlet", "name": "网点用户", "data_scope": DataScope.SELF,
     "description": "Outlet / service provider user: the own outlet's data and nothing else."},
]

registry.demo_roles({
    "agent": {**each(ORG_STRUCTURE + ORG_SERVICE, "view"), **REFERENCE, "core.attachment": "view,add,change"},
    "dispatcher": {**each(ORG_STRUCTURE + ORG_SERVICE + ["org.outletuser"], "view,export"), **REFERENCE,
                   "org.engineer": "view,change,export", "org.engineerskill": "view,add,change,delete",
                   "core.attachment": "view,add", "core.auditevent": "view"},
    "engineer": {**each(ORG_STRUCTURE + ["org.engineer", "org.engineerskill", "org.skill"], "view"), **REFERENCE,
                 "core.attachment": "view,add"},
    "warehouse": {**each(ORG_STRUCTURE + ["org.skill"], "view"), **REFERENCE, "core.attachment": "view,add"},
    "finance": {**each(ORG_STRUCTURE + ["org.outlet"], "view,export"), **REFERENCE,
                "core.dicttype": "view,export", "core.dictitem": "view,export", "core.attachment": "view"},
    "quality": {**each(ORG_STRUCTURE + ORG_SERVICE, "view"), **REFERENCE, "core.attachment": "view"},
    "outlet": {"org.outlet": "view", "org.outletuser": "view", "org.skill": "view", **REFERENCE,
               "core.attachment": "view,add"},
})


def role_permissions(spec):
    """{"app.model": "action,…"} of a role definition, as the apps contribute it ("__all__" for the
    administrator)."""
    if spec.get("permissions") == "__all__":
        return "__all__"
    registry.discover_demo()
    return registry.demo_permissions.get(spec["code"], {})


# -- skills and dictionaries ---------------------------------------------------------------------------
SKILLS = [
    ("xray", "医学影像设备（X射线）", "DR/CR/CT 等 X 射线影像设备"),
    ("ultrasound", "医学影像设备（超声）", "彩超、B 超"),
    ("lab", "检验设备", "生化、血球、免疫分析仪"),
    ("electrical", "电气", "供电、电源、控制电路"),
    ("refrigeration", "制冷", "冷藏、冷冻与空调系统"),
    ("network", "网络", "网络与通讯接口"),
    ("software", "软件", "设备软件、工作站与接口"),
]

DICTS = [
    ("customer_tier", "客户等级", "金牌、银牌、标准服务", [
        ("gold", "金牌", "Gold"), ("silver", "银牌", "Silver"), ("standard", "标准", "Standard")]),
    ("service_type", "服务类型", "服务单的服务类型", [
        ("installation", "安装", "Installation"), ("repair", "维修", "Repair"), ("rma", "返修", "Depot repair (RMA)"),
        ("consultation", "咨询", "Consultation"), ("complaint", "投诉", "Complaint"),
        ("pm", "保养巡检", "Preventive maintenance"), ("remote", "远程支持", "Remote support")]),
    ("close_reason", "关闭原因", "服务单关闭的原因", [
        ("solved", "已解决", "Solved"), ("solved_by_phone", "电话解决", "Solved by phone"),
        ("duplicate", "重复报修", "Duplicate"), ("cancelled", "客户取消", "Cancelled by customer"),
        ("no_fault", "未发现故障", "No fault found"), ("unreachable", "联系不上客户", "Customer unreachable")]),
    ("unit", "计量单位", "备件与服务项目的计量单位", [
        ("tai", "台", "unit"), ("ge", "个", "pcs"), ("tao", "套", "set"), ("mi", "米", "m"), ("xiang", "箱", "box")]),
]

# -- people ----------------------------------------------------------------------------------------------
# The five accounts the README and the login page talk about: (username, role code, what they show).
DEMO_ACCOUNTS = [
    ("admin", "admin", "系统管理员 Administrator — all data, organisation and system menus"),
    ("dispatcher", "dispatcher", "华南 售后经理/调度 Service manager — South China branch"),
    ("engineer", "engineer", "华南 现场工程师 Field engineer — own records"),
    ("warehouse", "warehouse", "华南 仓管 Warehouse keeper — own department"),
    ("outlet", "outlet", "网点用户 Outlet user — 佛山顺达, own outlet only"),
]


def _eng(level, regions, home, lat, lng, skills):
    return {"level": level, "regions": regions, "home_address": home, "home_lat": Decimal(lat),
            "home_lng": Decimal(lng), "skills": skills}


# username, name, employee no., mobile, title, branch, department suffix, roles, engineer profile
EMPLOYEES = [
    ("admin", "赵志强", "XH0001", "13910258801", "系统管理员", "hq", "it", ["admin"], None),
    ("zhoulei", "周磊", "XH0002", "13801136627", "运维工程师", "hq", "it", ["admin"], None),
    ("liuyang", "刘洋", "XH0003", "13521479935", "质量工程师", "hq", "rdq", ["quality"], None),
    # 华南 (Shenzhen): the demo accounts
    ("dispatcher", "黄志伟", "XH0101", "13612987450", "售后经理", "huanan", "tech", ["dispatcher"], None),
    ("linxiaoyan", "林晓燕", "XH0102", "13828761203", "客服专员", "huanan", "cs", ["agent"], None),
    ("engineer", "张伟", "XH0103", "13923456718", "高级工程师", "huanan", "field1", ["engineer"],
     _eng(3, ["440305", "440304", "440306"], "深圳市南山区桃园路 2 号田厦花园", "22.540213", "113.922187",
          {"xray": 4, "ultrasound": 3, "electrical": 4, "network": 2})),
    ("chenhao", "陈浩", "XH0104", "13798563214", "工程师", "huanan", "field1", ["engineer"],
     _eng(2, ["440303", "440307", "440308"], "深圳市龙岗区龙城街道中心城清林路 6 号", "22.720931", "114.247106",
          {"lab": 4, "refrigeration": 3, "electrical": 2})),
    ("liangjunjie", "梁俊杰", "XH0105", "15013872096", "工程师", "huanan", "field2", ["engineer"],
     _eng(2, ["441900", "440309"], "东莞市南城街道鸿福路 88 号", "23.011623", "113.752419",
          {"ultrasound": 3, "software": 3, "network": 3})),
    ("wuqiang", "吴强", "XH0106", "18680231547", "助理工程师", "huanan", "field2", ["engineer"],
     _eng(1, ["440100", "440600"], "广州市天河区天河北路 233 号", "23.143506", "113.330417",
          {"electrical": 2, "refrigeration": 2})),
    ("warehouse", "何丽萍", "XH0107", "13570864129", "仓库主管", "huanan", "wh", ["warehouse"], None),
    ("luoxin", "罗欣", "XH0108", "13760418852", "会计", "huanan", "fin", ["finance"], None),
    # 华东 (Shanghai)
    ("zhoujun", "周俊", "XH0201", "13916628430", "售后经理", "huadong", "tech", ["dispatcher"], None),
    ("xujing", "徐静", "XH0202", "13764219087", "客服专员", "huadong", "cs", ["agent"], None),
    ("sunhao", "孙浩", "XH0203", "13817349256", "高级工程师", "huadong", "field1", ["engineer"],
     _eng(3, ["310104", "310112", "310105"], "上海市徐汇区宜山路 700 号", "31.176544", "121.423890",
          {"xray": 3, "lab": 3, "software": 4})),
    ("zhuming", "朱明", "XH0204", "15921867340", "工程师", "huadong", "field2", ["engineer"],
     _eng(2, ["310115", "310110", "310113"], "上海市浦东新区张杨路 1500 号", "31.228411", "121.531276",
          {"ultrasound": 2, "network": 4, "electrical": 3})),
    ("gaoyan", "高艳", "XH0205", "13601957428", "仓管员", "huadong", "wh", ["warehouse"], None),
    # 西南 (Chengdu)
    ("yangfan", "杨帆", "XH0301", "13880562917", "售后经理", "xinan", "tech", ["dispatcher"], None),
    ("denglin", "邓琳", "XH0302", "18980013564", "客服专员", "xinan", "cs", ["agent"], None),
    ("hetao", "何涛", "XH0303", "13708209635", "技术专家", "xinan", "field1", ["engineer"],
     _eng(4, ["510104", "510107", "510105"], "成都市武侯区玉林南路 15 号", "30.629854", "104.058331",
          {"xray": 5, "ultrasound": 4, "electrical": 3})),
    ("tangchao", "唐超", "XH0304", "15184437720", "工程师", "xinan", "field2", ["engineer"],
     _eng(2, ["510108", "510116", "510112"], "成都市成华区建设北路二段 4 号", "30.674317", "104.102642",
          {"lab": 3, "refrigeration": 4})),
    ("lijuan", "李娟", "XH0305", "13551286349", "会计", "xinan", "fin", ["finance"], None),
    # 华中 (Wuhan)
    ("huanglei", "黄磊", "XH0401", "13971206583", "售后经理", "huazhong", "tech", ["dispatcher"], None),
    ("caixia", "蔡霞", "XH0402", "13628671940", "客服专员", "huazhong", "cs", ["agent"], None),
    ("xiongwei", "熊伟", "XH0403", "18607139254", "工程师", "huazhong", "field1", ["engineer"],
     _eng(2, ["420106", "420111", "420102"], "武汉市洪山区珞狮南路 147 号", "30.505127", "114.335908",
          {"xray": 2, "lab": 2, "electrical": 3, "network": 2})),
    ("pengyu", "彭宇", "XH0404", "13545092716", "仓管员", "huazhong", "wh", ["warehouse"], None),
]

# Department leaders and branch heads, set once the people exist.
LEADERS = {"hq-it": "admin", "hq-rdq": "liuyang"}
for _e in EMPLOYEES:  # the first person of a branch's service desk, technical service and warehouse
    if _e[5] != "hq" and _e[6] in {"tech", "cs", "wh"}:
        LEADERS.setdefault(f"{_e[5]}-{_e[6]}", _e[0])
BRANCH_HEADS = {"huanan": "dispatcher", "huadong": "zhoujun", "xinan": "yangfan", "huazhong": "huanglei"}

OUTLETS = [
    {"code": "fs-shunda", "name": "佛山顺达医疗设备维修服务部", "branch": "huanan", "contact_name": "梁家豪",
     "phone": "0757-22381166", "address": "佛山市顺德区大良街道凤山中路 23 号", "regions": ["440606", "440604", "440605"],
     "users": [("outlet", "梁家豪", "13929107735", "网点负责人"), ("shunda_li", "李永康", "13590546218", "维修技师")]},
    {"code": "cd-rongan", "name": "成都蓉安设备服务有限公司", "branch": "xinan", "contact_name": "王蓉",
     "phone": "028-87651230", "address": "成都市金牛区蜀汉路 116 号", "regions": ["510600", "510700", "510114"],
     "users": [("wangrong", "王蓉", "13981762045", "网点负责人"), ("liuchuan", "刘川", "18328457193", "维修技师")]},
]


# -- loading -------------------------------------------------------------------------------------------------
@dataclass
class Result:
    created: dict = field(default_factory=dict)
    skipped: bool = False

    def count(self, what):
        self.created[what] = self.created.get(what, 0) + 1

    @property
    def total(self):
        return sum(self.created.values())


def permission_codes(grants):
    """The "app_label.codename"s of {"app.model": "action,…"}."""
    codes = set()
    for model, actions in grants.items():
        app_label, model_name = model.split(".")
        codes |= {f"{app_label}.{a}_{model_name}" for a in actions.split(",")}
    return codes


def role_permission_codes():
    """Every "app_label.codename" the role definitions name (the admin's "all" excepted)."""
    registry.discover_demo()
    unknown = set(registry.demo_permissions) - {spec["code"] for spec in ROLES}
    if unknown:
        raise ImproperlyConfigured(f"Demo permissions for roles that do not exist: {', '.join(sorted(unknown))}.")
    return set().union(*(permission_codes(grants) for grants in registry.demo_permissions.values()))


def _permissions(spec):
    qs = Permission.objects.select_related("content_type")
    if spec == "__all__":
        labels = [a.label for a in apps.get_app_configs() if a.name.startswith("xiuhao.")]
        return list(qs.filter(content_type__app_label__in=labels))
    wanted = {}
    for model, actions in spec.items():
        app_label, model_name = model.split(".")
        for action in actions.split(","):
            wanted[(app_label, f"{action}_{model_name}")] = True
    found = qs.filter(content_type__app_label__in={a for a, _ in wanted}, codename__in={c for _, c in wanted})
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@contextmanager
def _one_hash_for_demo_password():
    """PBKDF2 costs ~0.3 s a user; every demo user has the same public password, so hash it once
    for the duration of the load (other passwords are hashed normally)."""
    from django.contrib.auth import base_user

    original = base_user.make_password
    cached = {}

    def make_password(password, salt=None, hasher="default"):
        if password == settings.DEMO_PASSWORD and salt is None and hasher == "default":
            if "hash" not in cached:
                cached["hash"] = original(password)
            return cached["hash"]
        return original(password, salt, hasher)

    base_user.make_password = make_password
    try:
        yield
    finally:
        base_user.make_password = original


class _Loader:
    def __init__(self):
        self.result = Result()
        self.password = settings.DEMO_PASSWORD
        codes = {b["region"] for b in BRANCHES}
        codes |= {c for regions in BRANCH_REGIONS.values() for c in regions}
        codes |= {c for e in EMPLOYEES if e[8] for c in e[8]["regions"]}
        codes |= {c for o in OUTLETS for c in o["regions"]}
        self.regions = Region.objects.in_bulk(codes, field_name="code")
        missing = codes - set(self.regions)
        if missing:
            raise RuntimeError(f"Regions missing (run migrate first): {', '.join(sorted(missing))}")

    def run(self):
        self.admin = self.first_admin()
        self.roles()
        self.admin = User.objects.get(pk=self.admin.pk)  # fresh permission and role caches
        self.skills()
        self.dicts()
        self.branches()
        self.branch_regions()
        self.departments()
        self.place_admin()
        self.employees()
        self.outlets()
        self.leaders()
        return self.result

    # the first administrator and the roles ---------------------------------------------------------
    def first_admin(self):
        user = User.objects.filter(username="admin").first()
        if user is None:
            username, name, no, phone, title, *_ = EMPLOYEES[0]
            user = User.objects.create_user(
                username=username, password=self.password, display_name=name, employee_no=no, phone=phone,
                title=title, email=f"{username}@{EMAIL_DOMAIN}", kind=User.Kind.STAFF, is_staff=True,
            )
            audit.record(actor=None, action="create", obj=user, after=audit.snapshot(user), message="demo data")
            self.result.count("users")
        return user

    def roles(self):
        self.role_by_code = {}
        for spec in ROLES:
            perms = _permissions(role_permissions(spec))
            data = {k: spec[k] for k in ("code", "name", "data_scope", "description")}
            role = Role.objects.filter(code=spec["code"]).first()
            if spec.get("permissions") == "__all__":
                # Created directly: nobody holds the permissions to grant them yet.
                if role is None:
                    role = Role.objects.create(**data)
                    role.permissions.set(perms)
                    audit.record(actor=self.admin, action="create", obj=role, after=audit.snapshot(role),
                                 message="demo data")
                    self.result.count("roles")
                elif set(role.permissions.all()) != set(perms):
                    before = audit.snapshot(role)
                    role.permissions.set(perms)
                    audit.record(actor=self.admin, action="update", obj=role, before=before,
                                 after=audit.snapshot(role), message="demo data")
                if not self.admin.roles.filter(pk=role.pk).exists():
                    self.admin.roles.add(role)
                    audit.record(actor=self.admin, action="update", obj=self.admin, message="demo data",
                                 changes={"roles": [[], [str(role)]]})
                self.admin = User.objects.get(pk=self.admin.pk)
            elif role is None:
                role = services.role_create(actor=self.admin, data={**data, "permissions": perms})
                self.result.count("roles")
            elif set(role.permissions.all()) != set(perms):
                role = services.role_update(actor=self.admin, obj=role, data={"permissions": perms})
            self.role_by_code[spec["code"]] = role

    # reference data ------------------------------------------------------------------------------------
    def skills(self):
        self.skill_by_code = Skill.objects.in_bulk([s[0] for s in SKILLS], field_name="code")
        for code, name, description in SKILLS:
            if code not in self.skill_by_code:
                self.skill_by_code[code] = object_create(
                    actor=self.admin, model=Skill, data={"code": code, "name": name, "description": description}
                )
                self.result.count("skills")

    def dicts(self):
        for code, name, description, items in DICTS:
            dict_type = DictType.objects.filter(code=code).first()
            if dict_type is None:
                dict_type = object_create(actor=self.admin, model=DictType, data={
                    "code": code, "name": name, "description": description, "is_system": True})
                self.result.count("dictionaries")
            existing = set(dict_type.items.values_list("value", flat=True))
            for sort, (value, label, label_en) in enumerate(items, start=1):
                if value not in existing:
                    object_create(actor=self.admin, model=DictItem, data={
                        "dict_type": dict_type, "value": value, "label": label, "label_en": label_en,
                        "sort": sort * 10})
                    self.result.count("dictionary items")

    # organisation ----------------------------------------------------------------------------------------
    def branches(self):
        self.branch_by_code = Branch.objects.in_bulk([b["code"] for b in BRANCHES], field_name="code")
        for spec in BRANCHES:
            if spec["code"] not in self.branch_by_code:
                data = {**spec, "region": self.regions[spec["region"]]}
                self.branch_by_code[spec["code"]] = object_create(actor=self.admin, model=Branch, data=data)
                self.result.count("branches")

    def branch_regions(self):
        for code, regions in BRANCH_REGIONS.items():
            branch = self.branch_by_code[code]
            if not branch.regions.exists():
                object_update(actor=self.admin, obj=branch, data={"regions": [self.regions[c] for c in regions]})

    def departments(self):
        plan = []
        for spec in BRANCHES:
            branch_code = spec["code"]
            rows = HQ_DEPARTMENTS if spec.get("is_headquarters") else BRANCH_DEPARTMENTS
            for sort, (suffix, name, parent, ext) in enumerate(rows, start=1):
                phone = spec["phone"][: -len(ext)] + ext  # the branch's number with its own extension
                plan.append((branch_code, f"{branch_code}-{suffix}", name,
                             f"{branch_code}-{parent}" if parent else None, sort * 10, phone))
        self.dept_by_code = Department.objects.in_bulk([p[1] for p in plan], field_name="code")
        for branch_code, code, name, parent, sort, phone in plan:  # parents come before children
            if code not in self.dept_by_code:
                self.dept_by_code[code] = services.department_create(actor=self.admin, data={
                    "branch": self.branch_by_code[branch_code], "parent": self.dept_by_code.get(parent),
                    "code": code, "name": name, "sort": sort, "phone": phone})
                self.result.count("departments")

    def place_admin(self):
        branch, dept = self.branch_by_code["hq"], self.dept_by_code["hq-it"]
        if self.admin.branch_id is None:
            self.admin = services.user_update(actor=self.admin, obj=self.admin,
                                              data={"branch": branch, "department": dept})
            self.admin = User.objects.get(pk=self.admin.pk)

    def employees(self):
        existing = set(User.objects.filter(username__in=[e[0] for e in EMPLOYEES]).values_list("username", flat=True))
        for username, name, no, phone, title, branch, dept, roles, engineer in EMPLOYEES:
            if username not in existing:
                services.user_create(actor=self.admin, model=Employee, password=self.password, data={
                    "username": username, "display_name": name, "employee_no": no, "phone": phone, "title": title,
                    "email": f"{username}@{EMAIL_DOMAIN}", "kind": User.Kind.STAFF,
                    "branch": self.branch_by_code[branch], "department": self.dept_by_code[f"{branch}-{dept}"],
                    "roles": [self.role_by_code[r] for r in roles]})
                self.result.count("users")
            if engineer:
                self.engineer(User.objects.get(username=username), engineer)

    def engineer(self, user, spec):
        profile = Engineer.objects.filter(user=user).first()
        if profile is None:
            profile = object_create(actor=self.admin, model=Engineer, data={
                "user": user, "level": spec["level"], "home_address": spec["home_address"],
                "home_lat": spec["home_lat"], "home_lng": spec["home_lng"], "is_field": True,
                "regions": [self.regions[c] for c in spec["regions"]]})
            self.result.count("engineers")
        held = set(profile.skills.values_list("skill__code", flat=True))
        for code, level in spec["skills"].items():
            if code not in held:
                object_create(actor=self.admin, model=EngineerSkill, data={
                    "engineer": profile, "skill": self.skill_by_code[code], "level": level})
                self.result.count("engineer skills")

    def outlets(self):
        # The services stamp a new record with the creator's department when none is given; an
        # outlet user belongs to no department, so they are created by the administrator acting
        # without his own department.
        actor = copy.copy(self.admin)
        actor.department_id = None
        outlet_role = self.role_by_code["outlet"]
        for spec in OUTLETS:
            outlet = Outlet.objects.filter(code=spec["code"]).first()
            if outlet is None:
                data = {k: v for k, v in spec.items() if k != "users"}
                data["branch"] = self.branch_by_code[spec["branch"]]
                data["regions"] = [self.regions[c] for c in spec["regions"]]
                outlet = object_create(actor=self.admin, model=Outlet, data=data)
                self.result.count("outlets")
            for username, name, phone, title in spec["users"]:
                if not User.objects.filter(username=username).exists():
                    services.user_create(actor=actor, model=OutletUser, password=self.password, data={
                        "username": username, "display_name": name, "phone": phone, "title": title,
                        "email": f"{username}@{EMAIL_DOMAIN}", "kind": User.Kind.OUTLET, "outlet": outlet,
                        "branch": outlet.branch, "roles": [outlet_role]})
                    self.result.count("users")

    def leaders(self):
        users = User.objects.in_bulk(set(LEADERS.values()) | set(BRANCH_HEADS.values()), field_name="username")
        for code, username in LEADERS.items():
            dept = Department.objects.get(pk=self.dept_by_code[code].pk)
            if dept.leader_id is None:
                services.department_update(actor=self.admin, obj=dept, data={"leader": users[username]})
        for code, username in BRANCH_HEADS.items():
            branch = Branch.objects.get(pk=self.branch_by_code[code].pk)
            if branch.manager_id is None:
                object_update(actor=self.admin, obj=branch, data={"manager": users[username]})


def load():
    """Load (or complete) the demo data set; returns what was created."""
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), _one_hash_for_demo_password(), transaction.atomic():
        return _Loader().run()


def accounts():
    """(username, role name, name, branch, password, what the account shows) of the demo accounts
    that exist."""
    users = User.objects.select_related("branch", "outlet").in_bulk([a[0] for a in DEMO_ACCOUNTS],
                                                                     field_name="username")
    rows = []
    for username, role_code, note in DEMO_ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        role = Role.objects.filter(code=role_code).first()
        where = user.outlet or user.branch
        rows.append((username, role.name if role else role_code, str(user), str(where or ""),
                     settings.DEMO_PASSWORD, note))
    return rows


registry.demo_step("org", load)
