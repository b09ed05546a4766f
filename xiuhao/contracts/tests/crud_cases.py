import datetime

from django.utils import timezone

from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts.models import Contract, ContractAlert, ContractChange, CounterReading
from xiuhao.core.testing import crud_case
from xiuhao.customers.tests.factories import CustomerFactory

from .factories import ContractDeviceFactory, ContractFactory, PaymentPlanFactory

TERMS = {"parts_pct": "100.00", "labour_pct": "80.00", "travel_pct": "0.00", "deposit": "0.00",
         "monthly_fee": "0.00", "excess_price": "0.0000"}


def contract_in(branch, outlet, **kwargs):
    """A contract of a customer of `branch`, served by `outlet` (an outsourcing contract) if given."""
    kwargs.setdefault("customer", CustomerFactory(branch=branch))
    if outlet is not None:
        kwargs.setdefault("kind", Contract.Kind.OUTSOURCING)
        kwargs.setdefault("provider", outlet)
    return ContractFactory(branch=branch, **kwargs)


def rental_in(branch, outlet=None):
    contract = contract_in(branch, None, kind=Contract.Kind.RENTAL, monthly_quota=1000,
                           excess_price="0.0500")
    if outlet is not None:  # a rental served by an outlet: the outlet's users see it too
        Contract.objects.filter(pk=contract.pk).update(provider=outlet)
        contract.refresh_from_db()
    link = ContractDeviceFactory(contract=contract)
    return contract, link.device


def _link_data(branch):
    contract = contract_in(branch, None)
    return {"contract": contract, "device": DeviceFactory(customer=contract.customer)}


def _reading(branch, outlet):
    contract, device = rental_in(branch, outlet)
    return CounterReading.objects.create(contract=contract, device=device, read_on=datetime.date(2026, 2, 1),
                                         value=1000)


def _reading_data(branch):
    contract, device = rental_in(branch)
    return {"contract": contract, "device": device, "read_on": "2026-03-01", "value": 2400}


def _contract_now(branch, outlet):
    today = timezone.localdate()
    return contract_in(branch, outlet, start_date=today - datetime.timedelta(days=100),
                       end_date=today + datetime.timedelta(days=100))


crud_case("contracts.contract", make=contract_in, make_for_moves=_contract_now,
          moves={"extend": lambda c: {"new_end": (c.end_date + datetime.timedelta(days=30)).isoformat(),
                                      "reason": "客户追加"}},
          data=lambda b: {"code": "HT-NEW-1", "name": "维保合同（新）", "kind": "maintenance",
                          "customer": CustomerFactory(branch=b), "start_date": "2026-01-01",
                          "end_date": "2026-12-31", "amount": "36000.00", "response_hours": 4, **TERMS},
          update={"name": "改名的合同"})
crud_case("contracts.contractdevice", make=lambda b, o: ContractDeviceFactory(contract=contract_in(b, o)),
          data=_link_data, update={"note": "机房 3 层"})
crud_case("contracts.paymentplan", make=lambda b, o: PaymentPlanFactory(contract=contract_in(b, o)),
          data=lambda b: {"contract": contract_in(b, None), "due_date": "2026-06-30", "amount": "6000.00"},
          update={"note": "第二期"})
crud_case("contracts.counterreading", make=_reading, data=_reading_data, update={"value": 1800})
crud_case("contracts.contractchange",
          make=lambda b, o: ContractChange.objects.create(contract=contract_in(b, o), kind="extend",
                                                          old_end=datetime.date(2026, 12, 31),
                                                          new_end=datetime.date(2027, 3, 31), reason="客户申请"),
          data=lambda b: {})
crud_case("contracts.contractalert",
          make=lambda b, o: ContractAlert.objects.create(contract=contract_in(b, o), days_before=30,
                                                         end_date=datetime.date(2026, 12, 31)),
          data=lambda b: {})
