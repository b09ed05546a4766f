"""Catalogue demo data: medical-equipment categories, brands, 15 product models with 2–3-level
BOMs, ~80 spare parts, fault codes, service items and fee standards with mileage bands.

Idempotent (looked up by natural key, only missing records are created) and deterministic
(`random.Random(SEED)`); every record is written through the catalogue's services by the demo
administrator, so the operation log shows it.
"""

import random
from decimal import Decimal

from django.db import transaction

from xiuhao.core import context
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result, each
from xiuhao.org.models import Branch, User

from . import services
from .models import (
    BomLine,
    Brand,
    FaultCode,
    FeeStandard,
    MileageBand,
    Part,
    ProductCategory,
    ProductModel,
    ServiceItem,
)
from .registry import BrandConfig, ProductModelConfig, ServiceItemConfig

# What the demo roles (org.demo.ROLES) may do with the catalogue.
CATALOG = ["catalog.productcategory", "catalog.brand", "catalog.productmodel", "catalog.part", "catalog.bomline",
           "catalog.faultcode", "catalog.serviceitem", "catalog.feestandard", "catalog.mileageband"]
registry.demo_roles({
    "agent": each(CATALOG, "view"),
    # The parts' cost (catalog.view_cost_part) for the service manager and the warehouse only.
    "dispatcher": {**each(CATALOG, "view,export"), "catalog.part": "view,export,view_cost"},
    "engineer": each(CATALOG, "view"),
    "warehouse": {**each(CATALOG, "view,add,change,delete,export,import"),
                  "catalog.part": "view,add,change,delete,export,import,view_cost"},
    "finance": {"catalog.serviceitem": "view", "catalog.feestandard": "view,add,change,export",
                "catalog.mileageband": "view,add,change,delete"},
    "quality": {**each(CATALOG, "view"),
                **each(["catalog.faultcode", "catalog.bomline"], "view,add,change,delete,export,import")},
    "outlet": each(CATALOG, "view"),
})

SEED = 20261123

CATEGORIES = [  # code, name, parent
    ("xray", "X射线影像设备", None),
    ("xray-dr", "DR 数字化X射线摄影系统", "xray"),
    ("xray-cr", "CR 计算机X射线摄影系统", "xray"),
    ("ultrasound", "超声影像设备", None),
    ("lab", "检验分析仪器", None),
    ("refrigeration", "医用冷藏冷冻设备", None),
    ("monitor", "监护与生命支持设备", None),
]

BRANDS = [("huaying", "华影医疗", "深圳华影医疗科技有限公司"), ("kangda", "康达", "上海康达医疗器械有限公司"),
          ("ruisheng", "瑞声", "苏州瑞声医学影像有限公司")]

MODELS = [  # code, name, category, brand, warranty months, price
    ("HY-DR7000", "HY-DR7000 双立柱 DR", "xray-dr", "huaying", 24, "1280000"),
    ("HY-DR5000", "HY-DR5000 移动 DR", "xray-dr", "huaying", 18, "680000"),
    ("RS-DR3600", "RS-DR3600 悬吊 DR", "xray-dr", "ruisheng", 24, "1560000"),
    ("RS-CR200", "RS-CR200 CR 读取仪", "xray-cr", "ruisheng", 12, "320000"),
    ("US-C90", "US-C90 台式彩超", "ultrasound", "huaying", 24, "860000"),
    ("US-P30", "US-P30 便携彩超", "ultrasound", "kangda", 12, "260000"),
    ("US-B10", "US-B10 黑白 B 超", "ultrasound", "kangda", 12, "68000"),
    ("LAB-BC6800", "BC-6800 五分类血球分析仪", "lab", "kangda", 12, "420000"),
    ("LAB-BS480", "BS-480 全自动生化分析仪", "lab", "kangda", 12, "560000"),
    ("LAB-CL900", "CL-900 化学发光免疫分析仪", "lab", "huaying", 12, "980000"),
    ("RF-YC280", "YC-280 医用冷藏箱", "refrigeration", "kangda", 24, "12800"),
    ("RF-DW86", "DW-86L 超低温冰箱", "refrigeration", "ruisheng", 24, "56000"),
    ("RF-BX500", "BX-500 血液冷藏箱", "refrigeration", "kangda", 24, "23800"),
    ("MN-iM8", "iM8 多参数监护仪", "monitor", "huaying", 18, "48000"),
    ("MN-SP5", "SP5 输液泵", "monitor", "ruisheng", 12, "9800"),
]

# Parts per top-level category: (suffix, name, spec, unit, cost, serial-tracked, children suffixes)
# An entry with children is an assembly; the BOM puts its children under it.
PARTS = {
    "xray": [
        ("TUBE", "X射线球管", "150kV 旋转阳极", "个", "86000", True, ["ANODE", "STATOR"]),
        ("ANODE", "阳极靶盘", "钨铼合金 φ100", "个", "12000", False, []),
        ("STATOR", "定子线圈", "三相 50Hz", "个", "3800", False, []),
        ("HVG", "高压发生器", "65kW", "台", "52000", True, ["HVTANK", "INVBRD", "CTRLBRD"]),
        ("HVTANK", "高压油箱", "150kV", "个", "18000", False, ["CABLE-HV"]),
        ("INVBRD", "逆变板", "IGBT 全桥", "块", "6800", True, []),
        ("CTRLBRD", "主控板", "ARM 四核", "块", "4200", True, []),
        ("FPD", "平板探测器", "43×43cm 碘化铯", "块", "98000", True, ["FPDBAT", "FPDCHG"]),
        ("FPDBAT", "探测器电池", "11.1V 5200mAh", "块", "1600", False, []),
        ("FPDCHG", "探测器充电座", "DC 24V", "个", "900", False, []),
        ("COLL", "束光器", "手动/电动", "个", "7600", False, ["COLLAMP"]),
        ("COLLAMP", "束光器灯泡", "24V 150W", "个", "120", False, []),
        ("TABLE", "摄影床", "浮动床面", "台", "26000", False, ["TBLMOTOR"]),
        ("TBLMOTOR", "床面电机", "24V 直流", "个", "1500", False, []),
        ("WS", "影像工作站", "i7/32G/1TB", "台", "15000", True, []),
        ("CABLE-HV", "高压电缆", "75kV 8m", "根", "3200", False, []),
    ],
    "ultrasound": [
        ("MAIN", "主机", "台式", "台", "120000", True, ["MAINBRD", "PSU", "BEAMBRD"]),
        ("MAINBRD", "主板", "x86", "块", "9800", True, []),
        ("PSU", "电源模块", "AC 220V 600W", "个", "2600", False, ["FAN"]),
        ("BEAMBRD", "波束合成板", "128 通道", "块", "16000", True, []),
        ("PRB-C", "凸阵探头", "C5-2 2–5MHz", "个", "28000", True, ["PRBCABLE"]),
        ("PRB-L", "线阵探头", "L12-4 4–12MHz", "个", "32000", True, ["PRBCABLE"]),
        ("PRBCABLE", "探头线缆", "2m", "根", "1800", False, []),
        ("LCD", "显示器", "21.5 英寸医用", "台", "5200", True, []),
        ("KBD", "控制面板", "背光键盘+轨迹球", "个", "3600", False, ["TRKBALL"]),
        ("TRKBALL", "轨迹球", "光电", "个", "480", False, []),
        ("BAT", "内置电池", "14.4V 6600mAh", "块", "1900", False, []),
        ("GEL-WARM", "耦合剂加热器", "40℃", "个", "260", False, []),
        ("FOOTSW", "脚踏开关", "三联", "个", "420", False, []),
        ("PRINTER", "视频打印机", "黑白热敏", "台", "4800", False, []),
        ("FAN", "散热风扇", "DC 12V", "个", "90", False, []),
        ("ECGMOD", "ECG 模块", "三导联", "个", "2200", False, []),
    ],
    "lab": [
        ("SAMPLER", "进样器", "针式", "套", "8600", False, ["NEEDLE", "SYRINGE"]),
        ("NEEDLE", "采样针", "不锈钢 φ0.8", "根", "680", False, []),
        ("SYRINGE", "定量注射器", "100µL", "个", "1200", False, ["VALVE"]),
        ("REACT", "反应盘", "80 位", "个", "9600", False, ["CUVETTE"]),
        ("CUVETTE", "比色杯", "石英 5mm", "个", "35", False, []),
        ("OPTIC", "光学系统", "12 波长", "套", "32000", True, ["LAMP", "FILTER"]),
        ("LAMP", "卤素灯", "12V 20W", "个", "360", False, []),
        ("FILTER", "滤光片组", "340–800nm", "组", "2800", False, []),
        ("PUMP", "蠕动泵", "6 通道", "个", "1500", False, ["PUMPTUBE"]),
        ("PUMPTUBE", "泵管", "硅胶 φ2", "根", "45", False, []),
        ("VALVE", "电磁阀", "两位三通", "个", "220", False, []),
        ("CTRL", "主控板", "ARM", "块", "5600", True, []),
        ("CELLCNT", "计数池", "阻抗法", "个", "4200", False, []),
        ("LASER", "激光器", "半导体 640nm", "个", "12800", True, []),
        ("COOLER", "试剂制冷模块", "半导体 2–8℃", "个", "3800", False, []),
        ("BARCODE", "条码扫描器", "一维/二维", "个", "650", False, []),
    ],
    "refrigeration": [
        ("COMP", "压缩机", "R600a 1/4HP", "台", "1800", True, ["COMPRELAY"]),
        ("COMPRELAY", "启动继电器", "PTC", "个", "45", False, []),
        ("COND", "冷凝器", "风冷", "个", "680", False, ["CONDFAN", "DRYER"]),
        ("CONDFAN", "冷凝风机", "AC 220V", "个", "160", False, []),
        ("EVAP", "蒸发器", "铝管", "个", "520", False, []),
        ("CTRLR", "温控器", "PID 微电脑", "个", "860", True, ["TSENSOR"]),
        ("TSENSOR", "温度传感器", "PT100", "个", "85", False, []),
        ("DOORSEAL", "门封条", "磁性", "条", "120", False, []),
        ("ALARM", "报警模块", "声光+短信", "个", "480", False, []),
        ("BATBK", "备用电池", "12V 7Ah", "块", "150", False, []),
        ("DRYER", "干燥过滤器", "铜", "个", "35", False, ["CAPTUBE"]),
        ("CAPTUBE", "毛细管", "φ0.7", "根", "20", False, []),
        ("LOCK", "门锁", "带钥匙", "把", "60", False, []),
        ("SHELF", "搁架", "不锈钢", "层", "90", False, []),
        ("DISPLAY", "显示板", "LED", "块", "260", False, []),
        ("RECORDER", "温度记录仪", "USB", "个", "380", True, []),
    ],
    "monitor": [
        ("MAINU", "主机单元", "12.1 英寸", "台", "9800", True, ["MBRD", "SCREEN"]),
        ("MBRD", "主板", "ARM", "块", "2600", True, ["BATM"]),
        ("SCREEN", "触摸屏", "12.1 英寸电容", "块", "1400", False, []),
        ("SPO2", "血氧探头", "成人指夹", "个", "380", False, []),
        ("NIBP", "血压模块", "示波法", "个", "1600", False, ["CUFF"]),
        ("CUFF", "血压袖带", "成人 25–35cm", "个", "120", False, []),
        ("ECGL", "心电导联线", "五导联", "根", "460", False, []),
        ("TEMP", "体温探头", "体表", "个", "160", False, []),
        ("PUMPMOD", "输液泵机芯", "蠕动式", "个", "2200", True, ["MOTOR"]),
        ("MOTOR", "步进电机", "24V", "个", "380", False, []),
        ("BUBBLE", "气泡传感器", "超声", "个", "420", False, []),
        ("BATM", "锂电池", "11.1V 2600mAh", "块", "420", False, []),
        ("ADAPTER", "电源适配器", "DC 15V", "个", "180", False, []),
        ("PRINTM", "记录仪", "热敏 50mm", "个", "880", False, []),
        ("CO2", "CO₂ 模块", "旁流", "个", "6800", True, []),
        ("MOUNT", "安装支架", "壁挂", "套", "320", False, []),
    ],
}

GENERIC_FAULTS = {
    FaultCode.Kind.SYMPTOM: ["无法开机", "开机报错", "死机/重启", "显示异常", "噪音异常", "漏液/漏油", "通讯中断",
                             "按键失灵", "报警不止", "精度偏差"],
    FaultCode.Kind.CAUSE: ["电源故障", "主板损坏", "软件异常", "线缆松脱", "传感器老化", "操作不当", "环境温湿度超标",
                           "部件磨损", "网络配置错误", "进液/受潮"],
    FaultCode.Kind.ACTION: ["更换部件", "重新连接线缆", "软件升级/重装", "校准", "清洁保养", "调整参数", "用户培训",
                            "紧固", "返厂维修", "远程指导"],
}

SPECIFIC_FAULTS = {  # category -> kind -> names replacing the first generic ones
    "xray": {"symptom": ["无法曝光", "图像伪影", "探测器不识别"], "cause": ["球管老化", "高压打火"],
             "action": ["更换球管", "探测器增益校正"]},
    "ultrasound": {"symptom": ["图像无回声", "探头无图像", "图像条纹干扰"], "cause": ["探头晶片损坏", "波束板故障"],
                   "action": ["更换探头", "波束板维修"]},
    "lab": {"symptom": ["加样不准", "结果重复性差", "试剂针堵塞"], "cause": ["采样针堵塞", "光源衰减"],
            "action": ["更换采样针", "更换光源并定标"]},
    "refrigeration": {"symptom": ["不制冷", "温度波动大", "结霜严重"], "cause": ["冷媒泄漏", "压缩机损坏"],
                      "action": ["补充冷媒", "更换压缩机"]},
    "monitor": {"symptom": ["血氧无读数", "血压测量失败", "心电干扰"], "cause": ["探头损坏", "袖带漏气"],
                "action": ["更换血氧探头", "更换袖带"]},
}

SERVICE_ITEMS = [  # code, name, kind, unit, price
    ("SI-DOOR", "上门服务费", "door_fee", "次", "150"),
    ("SI-LABOUR", "维修工时费", "labour", "小时", "120"),
    ("SI-MILEAGE", "交通里程费", "mileage", "公里", "3"),
    ("SI-INSPECT", "巡检保养", "inspection", "次", "800"),
    ("SI-INSTALL", "安装调试", "other", "次", "2000"),
    ("SI-CALIB", "计量校准", "other", "次", "600"),
]

FEE_STANDARDS = [  # code, name, category, branch, door fee, labour per hour, formula, bands
    ("FS-GEN", "通用收费标准", None, None, "150", "120", "",
     [("0", "30", "0", "0", "市区"), ("30", "100", "0", "3", "郊县"), ("100", None, "210", "2", "远郊/外地")]),
    ("FS-XRAY", "影像设备收费标准", "xray", None, "300", "260",
     'round(base * 0.1, 2) if tier == "standard" else (0 if tier == "gold" else round(base * 0.05, 2))',
     [("0", "50", "0", "0", "市区"), ("50", None, "0", "4", "市外")]),
    ("FS-HUANAN", "华南分公司收费标准", None, "huanan", "120", "100", "max(0, min(parts_amount * 0.05, 200))",
     [("0", "20", "0", "0", "市区"), ("20", None, "20", "2.5", "市外")]),
]


class _Loader:
    def __init__(self, admin):
        self.admin = admin
        self.result = Result()
        self.rng = random.Random(SEED)

    def count(self, what, n=1):
        if n:
            self.result.created[what] = self.result.created.get(what, 0) + n

    def upsert(self, config, model, key, data, what):
        """Create the record of natural key `key` through the config's service unless it exists."""
        existing = model.objects.filter(**key).first()
        if existing is not None:
            return existing
        self.count(what)
        return config.create(actor=self.admin, data={**key, **data})

    def run(self):
        self.categories()
        self.brands = {code: self.upsert(BrandConfig(), Brand, {"code": code}, {"name": name, "manufacturer": m},
                                         "brands") for code, name, m in BRANDS}
        self.parts()
        self.models()
        self.boms()
        self.fault_codes()
        for code, name, kind, unit, price in SERVICE_ITEMS:
            self.upsert(ServiceItemConfig(), ServiceItem, {"code": code},
                        {"name": name, "kind": kind, "unit": unit, "price": Decimal(price)}, "service items")
        self.fee_standards()
        return self.result

    def categories(self):
        self.category = {c.code: c for c in ProductCategory.objects.all()}
        for sort, (code, name, parent) in enumerate(CATEGORIES, start=1):
            if code not in self.category:
                self.category[code] = services.category_create(actor=self.admin, data={
                    "code": code, "name": name, "parent": self.category.get(parent), "sort": sort})
                self.count("product categories")

    def parts(self):
        self.part = {p.code: p for p in Part.objects.all()}
        brands = list(self.brands.values())
        rows = []
        for category, specs in PARTS.items():
            for suffix, name, spec, unit, cost, serial, _children in specs:
                code = f"{category[:3].upper()}-{suffix}"
                margin = Decimal(self.rng.choice(["1.3", "1.4", "1.5", "1.6"]))
                brand, stock = self.rng.choice(brands), self.rng.choice([0, 1, 2, 5, 10])
                if code not in self.part:
                    rows.append({"code": code, "name": name, "spec": spec, "unit": unit,
                                 "category": self.category[category], "brand": brand, "cost": Decimal(cost),
                                 "price": (Decimal(cost) * margin).quantize(Decimal("1")), "serial_tracked": serial,
                                 "safety_stock": stock, "warranty_months": 3})
        for part in services.bulk_create(actor=self.admin, model=Part, rows=rows):
            self.part[part.code] = part
        self.count("spare parts", len(rows))

    def models(self):
        self.product = {}
        for code, name, category, brand, months, price in MODELS:
            self.product[code] = self.upsert(ProductModelConfig(), ProductModel, {"code": code}, {
                "name": name, "category": self.category[category], "brand": self.brands[brand],
                "warranty_months": months, "price": Decimal(price), "status": "active"}, "product models")

    def boms(self):
        has_bom = set(BomLine.objects.values_list("product_model_id", flat=True).distinct())
        for code, _name, category, *_rest in MODELS:
            product = self.product[code]
            root = category.split("-")[0]
            specs = PARTS[root]
            children_of = {s[0]: s[6] for s in specs}
            child_suffixes = {c for s in specs for c in s[6]}
            tops = [s[0] for s in specs if s[0] not in child_suffixes]
            # Every product gets the one assembly with sub-assemblies: a 3-level BOM.
            deep = [t for t in tops if any(children_of[c] for c in children_of[t])]
            sample = set(self.rng.sample(tops, k=min(len(tops), self.rng.randint(5, 7)))) | set(deep[:1])
            chosen = sorted(sample, key=tops.index)
            tree = [self.bom_node(root, suffix, children_of, top=index) for index, suffix in enumerate(chosen, 1)]
            if product.pk not in has_bom:
                lines = services.bom_tree_create(actor=self.admin, product_model=product, tree=tree)
                self.count("BOM lines", len(lines))

    def bom_node(self, root, suffix, children_of, top=None):
        """(part, quantity, position, children) of the demo BOM."""
        quantity = Decimal("1") if top else Decimal(self.rng.choice(["1", "1", "1", "2", "4"]))
        children = [self.bom_node(root, child, children_of) for child in children_of.get(suffix, [])]
        position = f"{'ABCDEFG'[top % 7]}{top}" if top else ""
        return (self.part[f"{root[:3].upper()}-{suffix}"], quantity, position, children)

    def fault_codes(self):
        existing = set(FaultCode.objects.values_list("category__code", "kind", "code"))
        prefix = {FaultCode.Kind.SYMPTOM: "S", FaultCode.Kind.CAUSE: "C", FaultCode.Kind.ACTION: "A"}
        wanted = []
        for category, specific in SPECIFIC_FAULTS.items():
            for kind, generic in GENERIC_FAULTS.items():
                names = specific[kind] + [n for n in generic if n not in specific[kind]]
                wanted += [(category, kind.value, f"{prefix[kind]}{number:02d}", name)
                           for number, name in enumerate(names[:10], start=1)]
        # The DR sub-category adds codes of its own on top of the inherited X-ray ones.
        wanted += [("xray-dr", "symptom", "S11", "无线探测器掉线"), ("xray-dr", "cause", "C11", "无线 AP 干扰"),
                   ("xray-dr", "action", "A11", "更换探测器无线模块")]
        rows = [{"category": self.category[category], "kind": kind, "code": code, "name": name, "status": "active"}
                for category, kind, code, name in wanted if (category, kind, code) not in existing]
        services.bulk_create(actor=self.admin, model=FaultCode, rows=rows)
        self.count("fault codes", len(rows))

    def fee_standards(self):
        branches = Branch.objects.in_bulk(field_name="code")
        for code, name, category, branch, door, labour, formula, bands in FEE_STANDARDS:
            if branch and branch not in branches:
                continue
            standard = FeeStandard.objects.filter(code=code).first()
            if standard is None:
                standard = services.fee_standard_create(actor=self.admin, data={
                    "code": code, "name": name, "category": self.category.get(category),
                    "branch": branches.get(branch), "door_fee": Decimal(door), "labour_per_hour": Decimal(labour),
                    "formula": formula, "status": "active"})
                self.count("fee standards")
            stored = set(MileageBand.objects.filter(fee_standard=standard).values_list("from_km", flat=True))
            for start, end, fixed, per_km, note in bands:
                if Decimal(start) in stored:
                    continue
                services.mileage_band_create(actor=self.admin, data={
                    "fee_standard": standard, "from_km": Decimal(start), "to_km": Decimal(end) if end else None,
                    "fixed_fee": Decimal(fixed), "per_km": Decimal(per_km), "note": note})
                self.count("mileage bands")


def load():
    """Load (or complete) the catalogue demo data; returns what was created."""
    admin = User.objects.filter(username="admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        return Result(skipped=True)
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _Loader(admin).run()


registry.demo_step("catalog", load, after=["org"])
