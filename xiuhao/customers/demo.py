"""Demo customers (`manage.py load_demo`, after org and catalog): about 200 hospitals, clinics,
laboratories and factories in 36 cities, with contacts and sites, spread over the demo branches
with account managers of those branches; some in Foshan and Chengdu served by the demo outlets.

Deterministic (random.Random(SEED)) and idempotent: customers are numbered C000001… in a fixed
order and only the codes that do not exist yet are created, through the services, as the demo
administrator. A few customers are near-duplicates of others (same name but for the company form,
or the same phone), so that the duplicate check has something to show.
"""

import random
from decimal import Decimal

from django.db import transaction

from xiuhao.core import context
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result, each
from xiuhao.org.models import Outlet, Region, User

from . import services
from .models import Customer

# What the demo roles (org.demo.ROLES) may do with customers.
CUSTOMERS = ["customers.customer", "customers.contact", "customers.address"]
registry.demo_roles({
    "agent": each(CUSTOMERS, "view,add,change"),
    "dispatcher": each(CUSTOMERS, "view,add,change,delete,export,import"),
    "engineer": each(CUSTOMERS, "view"),
    "finance": {"customers.customer": "view,export"},
    "quality": each(CUSTOMERS, "view"),
    "outlet": each(CUSTOMERS, "view"),
})

SEED = 20261123
COUNT = 200

# (city, district code, district, GCJ-02 centre lat, lng, branch, outlet serving some customers)
CITIES = [
    ("北京", "110108", "海淀区", 39.9593, 116.2986, "hq", None),
    ("天津", "120101", "和平区", 39.1172, 117.2144, "hq", None),
    ("石家庄", "130102", "长安区", 38.0496, 114.5393, "hq", None),
    ("太原", "140105", "小店区", 37.7360, 112.5652, "hq", None),
    ("沈阳", "210102", "和平区", 41.7887, 123.4013, "hq", None),
    ("大连", "210211", "甘井子区", 38.9532, 121.5255, "hq", None),
    ("长春", "220102", "南关区", 43.8639, 125.3506, "hq", None),
    ("哈尔滨", "230103", "南岗区", 45.7600, 126.6687, "hq", None),
    ("济南", "370102", "历下区", 36.6664, 117.0768, "hq", None),
    ("青岛", "370212", "崂山区", 36.1073, 120.4689, "hq", None),
    ("西安", "610113", "雁塔区", 34.2135, 108.9480, "hq", None),
    ("上海", "310104", "徐汇区", 31.1885, 121.4365, "huadong", None),
    ("南京", "320106", "鼓楼区", 32.0663, 118.7697, "huadong", None),
    ("苏州", "320505", "虎丘区", 31.2947, 120.5663, "huadong", None),
    ("杭州", "330106", "西湖区", 30.2594, 120.1301, "huadong", None),
    ("宁波", "330212", "鄞州区", 29.8171, 121.5466, "huadong", None),
    ("合肥", "340104", "蜀山区", 31.8512, 117.2603, "huadong", None),
    ("福州", "350102", "鼓楼区", 26.0823, 119.2904, "huadong", None),
    ("厦门", "350203", "思明区", 24.4456, 118.0823, "huadong", None),
    ("深圳", "440305", "南山区", 22.5330, 113.9305, "huanan", None),
    ("广州", "440106", "天河区", 23.1248, 113.3613, "huanan", None),
    ("佛山", "440606", "顺德区", 22.8053, 113.2932, "huanan", "fs-shunda"),
    ("佛山", "440604", "禅城区", 23.0352, 113.1228, "huanan", "fs-shunda"),
    ("东莞", "441900", "东莞市", 23.0207, 113.7518, "huanan", None),
    ("南宁", "450103", "青秀区", 22.7856, 108.4943, "huanan", None),
    ("海口", "460106", "龙华区", 20.0310, 110.3288, "huanan", None),
    ("成都", "510107", "武侯区", 30.6425, 104.0434, "xinan", "cd-rongan"),
    ("成都", "510104", "锦江区", 30.6570, 104.0834, "xinan", None),
    ("绵阳", "510703", "涪城区", 31.4552, 104.7569, "xinan", "cd-rongan"),
    ("重庆", "500103", "渝中区", 29.5567, 106.5690, "xinan", None),
    ("昆明", "530102", "五华区", 25.0433, 102.7045, "xinan", None),
    ("贵阳", "520102", "南明区", 26.5681, 106.7146, "xinan", None),
    ("武汉", "420106", "武昌区", 30.5539, 114.3162, "huazhong", None),
    ("长沙", "430104", "岳麓区", 28.2351, 112.9314, "huazhong", None),
    ("南昌", "360102", "东湖区", 28.6850, 115.8990, "huazhong", None),
    ("郑州", "410105", "金水区", 34.8003, 113.6607, "huazhong", None),
]
# Account managers (demo employees) per branch.
MANAGERS = {"hq": ["admin"], "huadong": ["zhoujun", "xujing"], "huanan": ["dispatcher", "agent"],
            "xinan": ["yangfan", "denglin"], "huazhong": ["huanglei", "caixia"]}

# (kind of customer, industry, tier weights gold/silver/standard, name patterns)
SEGMENTS = [
    ("hospital", "医疗", (4, 4, 2), ["{city}市第{n}人民医院", "{city}市中心医院", "{city}市中医院",
                                     "{city}市妇幼保健院", "{city}医科大学附属第{n}医院", "{city}市{district}人民医院"]),
    ("clinic", "医疗", (0, 3, 7), ["{city}{district}{road}社区卫生服务中心", "{city}康美口腔门诊部",
                                   "{city}仁和体检中心", "{city}{road}诊所"]),
    ("lab", "检验检测", (2, 4, 4), ["{city}康检医学检验所有限公司", "{city}华测环境检测有限公司",
                                     "{city}市疾病预防控制中心", "{city}精准基因检测实验室"]),
    ("factory", "制造", (2, 3, 5), ["{city}{word}精密机械有限公司", "{city}{word}电子科技股份有限公司",
                                    "{city}{word}制药有限公司", "{city}{word}新材料有限公司"]),
]
WORDS = ["恒信", "华瑞", "天成", "远景", "宏达", "博越", "凯盛", "永安", "金桥", "新锐", "鼎力", "万通"]
ROADS = ["人民路", "中山路", "解放路", "建设路", "长江路", "和平路", "科技路", "学府路", "滨江路", "文化路"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌"
TITLES = ["设备科科长", "设备科工程师", "采购经理", "检验科主任", "实验室主管", "厂务经理", "院长助理", "总务主任"]
SITES = {"hospital": ["门诊楼", "住院部", "医技楼", "分院区"], "clinic": ["诊所", "分部"],
         "lab": ["实验楼", "样本中心"], "factory": ["生产基地", "研发中心", "二号厂房"]}
# Near-duplicates: (index of the original, how the copy differs) — the same name but for the
# company form or spacing, or the same phone number under another name. Copies are the last rows.
DUPLICATES = [(3, "suffix"), (11, "spacing"), (25, "phone"), (40, "suffix"), (77, "phone")]


def _person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# Landlines carry the city's own area code (8-digit local numbers); mobiles a prefix in use.
AREA_CODES = {
    "北京": "010", "天津": "022", "石家庄": "0311", "太原": "0351", "沈阳": "024", "大连": "0411", "长春": "0431",
    "哈尔滨": "0451", "济南": "0531", "青岛": "0532", "西安": "029", "上海": "021", "南京": "025", "苏州": "0512",
    "杭州": "0571", "宁波": "0574", "合肥": "0551", "福州": "0591", "厦门": "0592", "深圳": "0755", "广州": "020",
    "佛山": "0757", "东莞": "0769", "南宁": "0771", "海口": "0898", "成都": "028", "绵阳": "0816", "重庆": "023",
    "昆明": "0871", "贵阳": "0851", "武汉": "027", "长沙": "0731", "南昌": "0791", "郑州": "0371",
}
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199")


def _mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _landline(rng, city):
    rng.randrange(10, 99)  # kept so that the rest of the demo (names, tiers) stays as it was
    return f"{AREA_CODES[city]}-{rng.randrange(2, 9)}{rng.randrange(10**6, 10**7)}"


def _jitter(rng, value, spread=0.06):
    return (Decimal(str(value)) + Decimal(rng.uniform(-spread, spread)).quantize(Decimal("0.000001"))).quantize(
        Decimal("0.000001"))


def plan(rng=None):
    """The demo customers as service input, in code order (C000001 first). Pure: no database."""
    rng = rng or random.Random(SEED)
    specs, names = [], set()
    for i in range(COUNT):
        city, district_code, district, lat, lng, branch, outlet = CITIES[i % len(CITIES)]
        kind, industry, weights, patterns = SEGMENTS[rng.randrange(len(SEGMENTS))]
        for _attempt in range(20):
            name = rng.choice(patterns).format(city=city, district=district, n=rng.choice("一二三四五六"),
                                               road=rng.choice(ROADS), word=rng.choice(WORDS))
            if name not in names:
                break
        else:
            name = f"{name}{i}"
        names.add(name)
        tier = rng.choices(["gold", "silver", "standard"], weights=weights)[0]
        road, number = rng.choice(ROADS), rng.randrange(1, 400)
        c_lat, c_lng = _jitter(rng, lat), _jitter(rng, lng)
        contacts = [{"name": _person(rng), "title": rng.choice(TITLES), "mobile": _mobile(rng),
                     "is_primary": j == 0} for j in range(rng.choice((1, 2, 2, 3)))]
        sites = rng.sample(SITES[kind], k=min(len(SITES[kind]), rng.choice((1, 1, 2))))
        addresses = [{"label": site, "region": district_code, "address": f"{city}市{district}{road}{number + j * 2}号{site}",
                      "lat": c_lat if j == 0 else _jitter(rng, lat), "lng": c_lng if j == 0 else _jitter(rng, lng),
                      "is_default": j == 0} for j, site in enumerate(sites)]
        specs.append({
            "code": f"C{i + 1:06d}", "name": name, "kind": "company", "tier": tier, "industry": industry,
            "phone": _landline(rng, city),
            "region": district_code, "address": addresses[0]["address"], "lat": c_lat, "lng": c_lng,
            "branch": branch, "owner": rng.choice(MANAGERS[branch]),
            "outlet": outlet if outlet and rng.random() < 0.5 else None,
            "contacts": contacts, "addresses": addresses,
        })
    for position, (index, how) in enumerate(DUPLICATES):
        original, copy = specs[index], specs[COUNT - 1 - position]
        if how == "suffix":  # 有限公司 ↔ 股份有限公司, or the company form added
            name = original["name"]
            copy["name"] = name.replace("有限公司", "股份有限公司") if name.endswith("有限公司") else f"{name}有限公司"
        elif how == "spacing":  # the same name typed with spaces and full-width brackets around it
            copy["name"] = f"{original['name'][:2]} {original['name'][2:]}"
        else:  # another name, but the same switchboard number
            copy["phone"] = original["phone"]
    return specs


def load():
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _load()


def _load():
    result = Result()
    specs = plan()
    existing = set(Customer.objects.filter(code__in=[s["code"] for s in specs]).values_list("code", flat=True))
    todo = [s for s in specs if s["code"] not in existing]
    if not todo:
        return result
    admin = User.objects.get(username="admin")
    regions = Region.objects.in_bulk({s["region"] for s in todo}, field_name="code")
    from xiuhao.org.models import Branch

    branches = Branch.objects.in_bulk({s["branch"] for s in todo}, field_name="code")
    users = User.objects.in_bulk({s["owner"] for s in todo}, field_name="username")
    outlets = Outlet.objects.in_bulk({s["outlet"] for s in todo if s["outlet"]}, field_name="code")
    rows = []
    for spec in todo:
        region = regions[spec["region"]]
        data = {k: v for k, v in spec.items() if k not in ("contacts", "addresses")}
        data.update(region=region, branch=branches[spec["branch"]], owner=users.get(spec["owner"]),
                    outlet=outlets.get(spec["outlet"]) if spec["outlet"] else None)
        rows.append((data, spec["contacts"], [{**a, "region": region} for a in spec["addresses"]]))
    # One batch through the service (one audit event per record). The near-duplicates are
    # deliberate: the duplicate check is for people typing, not for this loader.
    services.customer_bulk_load(actor=admin, rows=rows)
    result.created["customers"] = len(rows)
    result.created["contacts"] = sum(len(r[1]) for r in rows)
    result.created["addresses"] = sum(len(r[2]) for r in rows)
    return result


registry.demo_step("customers", load, after=["org", "catalog"])
