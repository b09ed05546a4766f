from decimal import Decimal

from xiuhao.core.testing import crud_case

from .factories import (
    BomLineFactory,
    BrandFactory,
    FaultCodeFactory,
    FeeStandardFactory,
    MileageBandFactory,
    PartFactory,
    ProductCategoryFactory,
    ProductModelFactory,
    ServiceItemFactory,
)

# Catalogue data is company-wide reference data: no branch or outlet anchors.
crud_case("catalog.productcategory", make=lambda b, o: ProductCategoryFactory(), global_data=True,
          data=lambda b: {"code": "newcat", "name": "新分类", "parent": ProductCategoryFactory(), "sort": 1},
          update={"name": "改名分类"})
crud_case("catalog.brand", make=lambda b, o: BrandFactory(), global_data=True,
          data=lambda b: {"code": "newbrand", "name": "新品牌", "manufacturer": "新厂家"},
          update={"manufacturer": "另一厂家"})
crud_case("catalog.productmodel", make=lambda b, o: ProductModelFactory(), global_data=True,
          data=lambda b: {"code": "NEW-1", "name": "新型号", "category": ProductCategoryFactory(),
                          "brand": BrandFactory(), "warranty_months": 24, "price": Decimal("1000.00"),
                          "status": "active"},
          update={"warranty_months": 36})
crud_case("catalog.part", make=lambda b, o: PartFactory(), global_data=True,
          data=lambda b: {"code": "NEWPART", "name": "新备件", "unit": "个", "cost": Decimal("10.00"),
                          "price": Decimal("15.00"), "safety_stock": 2, "warranty_months": 3, "status": "active"},
          update={"safety_stock": 7})
crud_case("catalog.bomline", make=lambda b, o: BomLineFactory(), global_data=True,
          data=lambda b: {"product_model": ProductModelFactory(), "part": PartFactory(),
                          "quantity": Decimal("2.000"), "sort": 0},
          update={"position": "X1"})
crud_case("catalog.faultcode", make=lambda b, o: FaultCodeFactory(), global_data=True,
          data=lambda b: {"category": ProductCategoryFactory(), "kind": "cause", "code": "C01", "name": "电源故障",
                          "status": "active"},
          update={"name": "电源板故障"})
crud_case("catalog.serviceitem", make=lambda b, o: ServiceItemFactory(), global_data=True,
          data=lambda b: {"code": "NEWSI", "name": "巡检", "kind": "inspection", "unit": "次",
                          "price": Decimal("200.00"), "status": "active"},
          update={"name": "年度巡检"})
crud_case("catalog.feestandard", make=lambda b, o: FeeStandardFactory(), global_data=True,
          data=lambda b: {"code": "NEWFS", "name": "新收费标准", "door_fee": Decimal("100.00"),
                          "labour_per_hour": Decimal("80.00"), "formula": "round(base * 0.1, 2)", "status": "active"},
          update={"name": "改名收费标准"})
crud_case("catalog.mileageband", make=lambda b, o: MileageBandFactory(), global_data=True,
          data=lambda b: {"fee_standard": FeeStandardFactory(), "from_km": Decimal("0.0"), "to_km": Decimal("30.0"),
                          "fixed_fee": Decimal("0.00"), "per_km": Decimal("2.00")},
          update={"note": "郊区"})
