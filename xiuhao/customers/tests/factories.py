import factory

from xiuhao.customers.models import Address, Contact, Customer
from xiuhao.org.tests.factories import BranchFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"客户{n}有限公司")
    branch = factory.SubFactory(BranchFactory)
    phone = factory.Sequence(lambda n: f"0755-8{n:07d}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    label = factory.Sequence(lambda n: f"地点{n}")
    address = factory.Sequence(lambda n: f"深圳市南山区科技园{n}号")
