"""Demo installed base: ~1,000 devices of the catalogue demo's models at the customers demo's
sites, installed over the last four years (so warranty kinds vary and some warranties end within
30 days), with their BOM instances, ERP shipments for most, a few invalid devices, a few part
replacements, and the warranty alerts the daily job sends.

Devices go through the import's bulk path (the same checks, BOM copy and one audit event per
device as an Excel import) — a thousand single service calls would take too long for `make run`;
status changes and part replacements go through the services. Idempotent: devices are looked up
by serial and only missing ones are created; deterministic (random.Random(SEED))."""

import datetime
import random

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from xiuhao.core import context
from xiuhao.core.imports import ImportFailed
from xiuhao.core.models import AuditEvent
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result, each
from xiuhao.org.models import User

from . import services
from .importing import DeviceImportPipeline
from .jobs import send_warranty_alerts
from .models import Device, DevicePart, Shipment

# What the demo roles (org.demo.ROLES) may do with the installed base.
ASSETS = ["assets.device", "assets.devicepart", "assets.shipment", "assets.warrantyalert"]
registry.demo_roles({
    "agent": {**each(ASSETS, "view"), "assets.device": "view,add,change"},
    "dispatcher": {**each(ASSETS, "view,add,change"), "assets.shipment": "view,add,change,export,import",
                   "assets.device": "view,add,change,delete,export,import,print_labels"},
    "engineer": each(["assets.device", "assets.devicepart"], "view"),
    "quality": each(ASSETS, "view"),
    "outlet": each(["assets.device", "assets.devicepart"], "view"),
})

SEED = 20261123
COUNT = 1000
EXPIRING = 40  # warranties ending within the next 30 days
INVALID = [(7, "客户报废，设备已拆除"), (93, "重复登记，以新序列号为准"), (251, "退货返厂"), (388, "客户报废，设备已拆除"),
           (512, "序列号录入错误"), (640, "退货返厂"), (777, "设备被盗，已报案"), (901, "客户报废，设备已拆除")]
REPLACED = [11, 42, 150, 333, 600]
WAREHOUSES = ["北京成品仓", "上海成品仓", "深圳成品仓", "成都成品仓"]


def plan(customers, models, today, rng=None):
    """Device specs: {field: value} rows as the import takes them, plus the shipment facts."""
    rng = rng or random.Random(SEED)
    specs = []
    for i in range(COUNT):
        customer = customers[i % len(customers)]
        sites = customer["sites"]
        model = models[rng.randrange(len(models))]
        if i % (COUNT // EXPIRING) == 3:  # ends within 30 days: install = end + 1 day − warranty months
            end = today + datetime.timedelta(days=rng.randint(1, 30))
            install = services.add_months(end + datetime.timedelta(days=1), -model["months"])
        else:
            install = today - datetime.timedelta(days=rng.randint(10, 4 * 365))
        shipped = install - datetime.timedelta(days=rng.randint(3, 25))
        kind = ""
        if i % 17 == 5:
            kind = "contract"  # extended by a service contract (the coverage engine has the details)
        elif i % 23 == 9:
            kind = "repair"  # repair warranty after a paid repair
        specs.append({
            "serial": f"{model['code'].replace('-', '')}{install:%y%m}{i:04d}",
            "lot": f"L{install:%Y%m}{rng.randint(1, 9)}", "product_model": model["code"], "customer": customer["code"],
            "address": sites[rng.randrange(len(sites))] if sites else "", "install_date": install,
            "warranty_kind": kind, "shipped_on": shipped, "order_no": f"SO{shipped:%Y%m}{i // 3:04d}",
            "_ship": i % 8 != 0, "_warehouse": WAREHOUSES[i % len(WAREHOUSES)],
            "_customer_name": customer["name"],
        })
    return specs


def load():
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _load()


def _master_data():
    from xiuhao.catalog.models import ProductModel
    from xiuhao.customers.models import Address, Customer

    customers = [{"code": c.code, "name": c.name, "pk": c.pk, "sites": []}
                 for c in Customer.objects.order_by("code").only("code", "name")]
    by_pk = {c["pk"]: c for c in customers}
    for customer_id, label in Address.objects.order_by("customer_id", "id").values_list("customer_id", "label"):
        by_pk[customer_id]["sites"].append(label)
    models = [{"code": code, "months": months} for code, months in
              ProductModel.objects.filter(status="active").order_by("code").values_list("code", "warranty_months")]
    return customers, models


def _load():
    result = Result()
    admin = User.objects.filter(username="admin").first()
    customers, models = _master_data()
    if admin is None or not customers or not models:
        result.skipped = True
        return result
    today = timezone.localdate()
    specs = plan(customers, models, today)
    existing = set(Device.objects.filter(serial__in=[s["serial"] for s in specs]).values_list("serial", flat=True))
    todo = [s for s in specs if s["serial"] not in existing]
    if not todo:
        return result
    config = registry.for_model(Device)
    pipeline = DeviceImportPipeline(config, admin)
    pipeline.source = Device.Source.SHIPMENT
    parsed = [(n, {k: v for k, v in s.items() if not k.startswith("_")}, []) for n, s in enumerate(todo, start=2)]
    try:
        with transaction.atomic():
            report = pipeline.write(parsed)
    except ImportFailed as exc:
        raise RuntimeError(f"demo devices do not pass the import checks: {exc.message}") from exc
    result.created["devices"] = report.created
    devices = Device.objects.in_bulk([s["serial"] for s in todo], field_name="serial")
    _shipments(admin, [s for s in todo if s["_ship"]], devices)
    result.created["shipments"] = sum(1 for s in todo if s["_ship"])
    serials = [s["serial"] for s in specs]
    for index, reason in INVALID:
        device = devices.get(serials[index])
        if device is not None:
            services.device_set_invalid(actor=admin, device=device, reason=reason)
    for index in REPLACED:
        device = devices.get(serials[index])
        line = DevicePart.objects.filter(device=device, parent__isnull=True).order_by("id").first() if device else None
        if line is not None:
            services.device_part_replace(actor=admin, line=line, part_serial=f"R{line.pk:06d}",
                                         on=today - datetime.timedelta(days=20 + index % 60))
    result.created["warranty alerts"] = send_warranty_alerts(today)
    return result


def _shipments(admin, specs, devices):
    """The ERP lines of the demo devices, with one audit event each (as the service writes)."""
    now = timezone.now()
    rows = [Shipment(serial=s["serial"], product_code=s["product_model"], customer_code=s["customer"],
                     customer_name=s["_customer_name"], order_no=s["order_no"], shipped_on=s["shipped_on"],
                     warehouse=s["_warehouse"], device=devices[s["serial"]], branch_id=devices[s["serial"]].branch_id)
            for s in specs]
    Shipment.objects.bulk_create(rows, batch_size=500)
    ct = ContentType.objects.get_for_model(Shipment)
    ctx = context.current()
    AuditEvent.objects.bulk_create([
        AuditEvent(at=now, actor=admin, actor_name=str(admin)[:150], ip=ctx.ip, request_id=ctx.request_id,
                   action="create", verb="demo", content_type=ct, object_id=str(s.pk), object_repr=str(s)[:200],
                   changes={"serial": [None, s.serial], "order_no": [None, s.order_no],
                            "shipped_on": [None, s.shipped_on.isoformat()]}, branch_id=s.branch_id)
        for s in rows], batch_size=500)


registry.demo_step("assets", load, after=["org", "catalog", "customers"])
