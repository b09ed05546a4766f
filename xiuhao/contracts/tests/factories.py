import datetime
from decimal import Decimal

import factory

from xiuhao.assets.tests.factories import DeviceFactory
from xiuhao.contracts.models import Contract, ContractDevice, PaymentPlan
from xiuhao.customers.tests.factories import CustomerFactory


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    code = factory.Sequence(lambda n: f"HT-{n:05d}")
    name = factory.Sequence(lambda n: f"服务合同{n}")
    kind = Contract.Kind.MAINTENANCE
    customer = factory.SubFactory(CustomerFactory)
    branch = factory.LazyAttribute(lambda o: o.customer.branch if o.customer else None)
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)
    status = Contract.Status.ACTIVE
    amount = Decimal("12000.00")


class ContractDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractDevice

    contract = factory.SubFactory(ContractFactory)
    device = factory.SubFactory(DeviceFactory, customer=factory.SelfAttribute("..contract.customer"))


class PaymentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentPlan

    contract = factory.SubFactory(ContractFactory)
    due_date = datetime.date(2026, 3, 31)
    amount = Decimal("6000.00")
