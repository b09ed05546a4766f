"""Demo contracts (`manage.py load_demo`, after org, catalog, customers and assets): 60 service
contracts over the demo customers and their devices — warranty extensions, maintenance with SLAs,
5 outsourcing contracts with the demo outlets, 10 rentals with monthly counter readings — in every
status (some ending within 30 days, some expired, a terminated one, drafts), payment plans partly
received, a renewal chain and an extension.

Deterministic (random.Random(SEED)) and idempotent: contracts are numbered HT-DEMO-001… and only
missing numbers are created, through the services, as the demo administrator. Periods are laid
around the day of loading, so that "ending within 30 days" is true on a fresh demo.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from xiuhao.core import audit, context
from xiuhao.core.registry import registry
from xiuhao.org.demo import Result, each
from xiuhao.org.models import Outlet, User

from . import services
from .models import Contract, ContractDevice, CounterReading, PaymentPlan

# What the demo roles (org.demo.ROLES) may do with contracts.
CONTRACTS = ["contracts.contract", "contracts.contractdevice", "contracts.paymentplan", "contracts.contractchange",
             "contracts.counterreading", "contracts.contractalert"]
# The money (contracts.view_amount_contract) for the office, not for engineers and outlets.
registry.demo_roles({
    "agent": {**each(CONTRACTS, "view"), "contracts.contract": "view,view_amount"},
    "dispatcher": {**each(CONTRACTS, "view,add,change"),
                   "contracts.contract": "view,add,change,export,import,view_amount"},
    "engineer": {"contracts.contract": "view"},
    "finance": {**each(CONTRACTS, "view"), "contracts.contract": "view,export,view_amount",
                "contracts.paymentplan": "view,change",
                "contracts.counterreading": "view,add"},
    "outlet": each(["contracts.contract", "contracts.contractdevice"], "view"),
})

SEED = 20261124
COUNT = 60
KINDS = (["outsourcing"] * 5 + ["rental"] * 10 + ["maintenance"] * 20 + ["warranty_extension"] * 25)
NAMES = {"warranty_extension": "延保服务合同", "maintenance": "年度维保合同", "outsourcing": "外包服务合同",
         "rental": "设备租赁合同"}
# Contract number → its fate (the others are active and running).
FATES = {
    6: "ending", 16: "ending", 18: "ending", 37: "ending", 41: "ending", 52: "ending",
    20: "expired", 44: "expired", 47: "expired", 11: "expired",
    33: "terminated",
    57: "draft", 58: "draft", 59: "draft", 60: "draft",
    21: "renewed", 22: "extended",
}


def code(n):
    return f"HT-DEMO-{n:03d}"


def _terms(rng, kind):
    terms = {"parts_pct": Decimal("100"), "labour_pct": Decimal("100"), "travel_pct": Decimal("100")}
    if kind == "maintenance":
        terms.update(response_hours=rng.choice([2, 4, 8]), onsite_hours=rng.choice([8, 24, 48]),
                     repair_hours=rng.choice([24, 48, 72]), visits_included=rng.choice([2, 4, 6, 12]),
                     parts_pct=Decimal(rng.choice([50, 80, 100])), travel_pct=Decimal(rng.choice([0, 100])))
    elif kind == "warranty_extension":
        terms.update(response_hours=rng.choice([4, 8, None]), parts_pct=Decimal("100"),
                     labour_pct=Decimal(rng.choice([80, 100])), travel_pct=Decimal("0"))
    elif kind == "outsourcing":
        terms.update(response_hours=rng.choice([4, 6]), onsite_hours=24, repair_hours=72)
    else:
        terms.update(response_hours=8, onsite_hours=24, monthly_quota=rng.choice([3000, 5000, 10000]),
                     excess_price=Decimal(rng.choice(["0.0300", "0.0500", "0.0800"])),
                     deposit=Decimal(rng.choice([2000, 5000])), monthly_fee=Decimal(rng.choice([800, 1500, 2600])))
    return terms


def _period(rng, fate, today):
    if fate == "ending":
        end = today + datetime.timedelta(days=rng.randint(5, 28))
    elif fate in ("expired", "renewed"):
        end = today - datetime.timedelta(days=rng.randint(10, 90))
    elif fate == "draft":
        start = today + datetime.timedelta(days=rng.randint(5, 40))
        return start, start + datetime.timedelta(days=364)
    else:
        end = today + datetime.timedelta(days=rng.randint(45, 330))
    return end - datetime.timedelta(days=364), end


class _Loader:
    def __init__(self):
        self.result = Result()
        self.today = timezone.localdate()
        self.admin = User.objects.get(username="admin")

    def run(self):
        from xiuhao.assets.models import Device
        from xiuhao.customers.models import Customer

        existing = set(Contract.objects.filter(code__startswith="HT-DEMO-").values_list("code", flat=True))
        if all(code(n) in existing for n in range(1, COUNT + 1)):
            return self.result
        customers = list(Customer.objects.filter(status="active").select_related("outlet").order_by("code"))
        if not customers:
            return self.result
        devices = {}
        for device in Device.objects.serviceable().filter(customer__isnull=False).order_by("serial"):
            devices.setdefault(device.customer_id, []).append(device)
        with_devices = [c for c in customers if devices.get(c.pk)] or customers
        outlets = list(Outlet.objects.order_by("code"))
        for n, kind in enumerate(KINDS, start=1):
            rng = random.Random(SEED * 100 + n)  # each contract its own stream: a rerun fills gaps alike
            if code(n) in existing:
                continue
            if kind == "outsourcing" and outlets:
                outlet = outlets[(n - 1) % len(outlets)]
                served = [c for c in with_devices if c.outlet_id == outlet.pk] or with_devices
                customer = served[rng.randrange(len(served))]
            else:
                outlet = None
                kind = "maintenance" if kind == "outsourcing" else kind
                customer = with_devices[rng.randrange(len(with_devices))]
            self.contract(n, kind, customer, outlet, devices.get(customer.pk, []), rng)
        services.contracts_expire(on=self.today)
        return self.result

    def contract(self, n, kind, customer, outlet, devices, rng):
        """The contract and its moves go through the services; its devices, instalments and
        readings — valid by construction — are bulk-inserted (one audit event each batch), which
        keeps the demo to a second or two."""
        fate = FATES.get(n, "running")
        start, end = _period(rng, fate, self.today)
        amount = Decimal(rng.randrange(6, 120) * 1000)
        data = {"code": code(n), "name": f"{customer.name}{NAMES[kind]}", "kind": kind, "customer": customer,
                "provider": outlet, "owner": customer.owner, "signed_on": min(start - datetime.timedelta(days=7), self.today),
                "start_date": start, "end_date": end, "amount": amount, **_terms(rng, kind)}
        contract = services.contract_create(actor=self.admin, data=data)
        self.result.count("contracts")
        chosen = rng.sample(devices, k=min(len(devices), rng.randint(1, 3))) if devices else []
        ContractDevice.objects.bulk_create([ContractDevice(contract=contract, device=d) for d in chosen])
        self.result.created["covered devices"] = self.result.created.get("covered devices", 0) + len(chosen)
        self.payments(contract, rng, fate)
        if chosen:
            audit.record(actor=self.admin, action="update", obj=contract, verb="demo",
                         message="演示数据：覆盖设备 " + "、".join(d.serial for d in chosen))
        if fate == "draft":
            return
        services.contract_activate(actor=self.admin, contract=contract, on=start)
        if kind == "rental":
            self.readings(contract, chosen, rng)
        if fate == "terminated":
            services.contract_terminate(actor=self.admin, contract=contract, reason="客户业务调整，双方协商提前终止")
        elif fate == "extended":
            services.contract_extend(actor=self.admin, contract=contract, new_end=end + datetime.timedelta(days=90),
                                     reason="设备升级期间顺延三个月")
        elif fate == "renewed":
            services.contracts_expire(on=self.today)
            renewal = services.contract_renew(actor=self.admin, contract=contract, reason="续签一年")
            self.result.count("contracts")
            self.payments(renewal, rng, "running")

    def payments(self, contract, rng, fate):
        parts = rng.choice([1, 2, 4])
        share = (contract.amount / parts).quantize(Decimal("0.01"))
        amounts = [share] * (parts - 1) + [contract.amount - share * (parts - 1)]
        step = (contract.end_date - contract.start_date).days // parts
        plans = []
        for i, amount in enumerate(amounts):
            due = contract.start_date + datetime.timedelta(days=step * i + 15)
            paid = Decimal("0")
            if fate != "draft" and due <= self.today:
                paid = amount if rng.random() < 0.8 else (amount / 2).quantize(Decimal("0.01"))
            plans.append(PaymentPlan(contract=contract, due_date=due, amount=amount, note=f"第{i + 1}期",
                                     paid_amount=paid, paid_on=min(due, self.today) if paid else None,
                                     status=services.payment_status(paid, amount)))
        PaymentPlan.objects.bulk_create(plans)
        self.result.created["payment plans"] = self.result.created.get("payment plans", 0) + len(plans)

    def readings(self, contract, devices, rng):
        rows = []
        for device in devices:
            value, previous = rng.randint(10_000, 200_000), None
            for months_ago in range(4, 0, -1):
                day = self.today.replace(day=1) - datetime.timedelta(days=30 * (months_ago - 1) + 1)
                if not contract.start_date <= day <= contract.end_date:
                    continue
                usage = value - previous if previous is not None else 0
                excess, charge = services.excess_charge(usage, contract.monthly_quota, contract.excess_price)
                rows.append(CounterReading(contract=contract, device=device, read_on=day, value=value, usage=usage,
                                           excess=excess, excess_amount=charge))
                previous, value = value, value + int(contract.monthly_quota * rng.uniform(0.6, 1.4))
        CounterReading.objects.bulk_create(rows)
        self.result.created["counter readings"] = self.result.created.get("counter readings", 0) + len(rows)


def load():
    """Load (or complete) the demo contracts; returns what was created."""
    ctx = context.RequestContext(request_id=context.new_request_id(), user_agent="manage.py load_demo")
    with context.bound(ctx), transaction.atomic():
        return _Loader().run()


registry.demo_step("contracts", load, after=["org", "catalog", "customers", "assets"])
