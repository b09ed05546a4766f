from decimal import Decimal

import factory

from xiuhao.catalog.models import (
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


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"产品分类{n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    code = factory.Sequence(lambda n: f"brand{n}")
    name = factory.Sequence(lambda n: f"品牌{n}")


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel

    code = factory.Sequence(lambda n: f"PM-{n:04d}")
    name = factory.Sequence(lambda n: f"产品型号{n}")
    category = factory.SubFactory(ProductCategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    warranty_months = 12


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    code = factory.Sequence(lambda n: f"P-{n:05d}")
    name = factory.Sequence(lambda n: f"备件{n}")
    cost = Decimal("80.00")
    price = Decimal("120.00")


class BomLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BomLine

    product_model = factory.SubFactory(ProductModelFactory)
    part = factory.SubFactory(PartFactory)
    quantity = Decimal("1")


class FaultCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultCode

    category = factory.SubFactory(ProductCategoryFactory)
    kind = FaultCode.Kind.SYMPTOM
    code = factory.Sequence(lambda n: f"F{n:03d}")
    name = factory.Sequence(lambda n: f"故障{n}")


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"SI{n:03d}")
    name = factory.Sequence(lambda n: f"服务项目{n}")
    price = Decimal("50.00")


class FeeStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeStandard

    code = factory.Sequence(lambda n: f"FS{n:03d}")
    name = factory.Sequence(lambda n: f"收费标准{n}")
    door_fee = Decimal("100.00")
    labour_per_hour = Decimal("80.00")


class MileageBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MileageBand

    fee_standard = factory.SubFactory(FeeStandardFactory)
    from_km = Decimal("0")
    to_km = None
    fixed_fee = Decimal("0")
    per_km = Decimal("2.00")
