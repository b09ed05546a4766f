"""Catalogue pages, API, import/export and menu, declared once per model. Catalogue data is
company-wide: the models have no scope fields, so every user with a model's view permission sees
all of it; writes need the model permissions and go through catalog.services."""

from django.utils.translation import gettext_lazy as _

from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry
from xiuhao.core.visibility import Sensitive

from . import services, views
from .imports import BomPipeline, FaultCodePipeline, MileageBandPipeline
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

registry.section("catalog", _("Catalogue"), "package", 30)


@register
class ProductCategoryConfig(ModelConfig):
    model = ProductCategory
    menu = "catalog"
    menu_order = 10
    icon = "category"
    list_fields = ["code", "name", "parent", "sort"]
    search_fields = ["code", "name"]
    filter_fields = ["parent"]
    form_fields = ["code", "name", "parent", "sort"]
    select_related = ["parent"]
    natural_key = "code"
    tabs = [Tab("fault-codes", _("Fault codes"), "catalog/tabs/fault_codes.html", views.fault_codes_tab,
                permission="catalog.view_faultcode")]

    def create(self, *, actor, data):
        return services.category_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.category_update(actor=actor, obj=obj, data=data)


@register
class BrandConfig(ModelConfig):
    model = Brand
    menu = "catalog"
    menu_order = 20
    list_fields = ["code", "name", "manufacturer"]
    search_fields = ["code", "name", "manufacturer"]
    form_fields = ["code", "name", "manufacturer"]
    natural_key = "code"


@register
class ProductModelConfig(ModelConfig):
    model = ProductModel
    menu = "catalog"
    menu_order = 30
    list_fields = ["code", "name", "category", "brand", "warranty_months", "price", "status"]
    search_fields = ["code", "name", "spec"]
    filter_fields = ["category", "brand", "status"]
    form_fields = ["code", "name", "category", "brand", "spec", "warranty_months", "price", "status", "description"]
    select_related = ["category", "brand"]
    natural_key = "code"
    tabs = [Tab("bom", _("BOM"), "catalog/tabs/bom.html", views.bom_tab, permission="catalog.view_bomline")]


@register
class PartConfig(ModelConfig):
    model = Part
    menu = "catalog"
    menu_order = 40
    list_fields = ["code", "name", "spec", "unit", "category", "cost", "price", "serial_tracked", "safety_stock",
                   "status"]
    search_fields = ["code", "name", "spec"]
    filter_fields = ["category", "brand", "serial_tracked", "status"]
    form_fields = ["code", "name", "spec", "unit", "category", "brand", "cost", "price", "serial_tracked",
                   "safety_stock", "warranty_months", "status"]
    select_related = ["category", "brand"]
    natural_key = "code"
    # The purchase cost is internal: outlets and engineers see the price only.
    sensitive_fields = {"cost": Sensitive("catalog.view_cost_part", _("Can see the cost of spare parts"))}
    tabs = [Tab("where-used", _("Where used"), "catalog/tabs/where_used.html", views.where_used_tab,
                permission="catalog.view_bomline")]


@register
class BomLineConfig(ModelConfig):
    """Lines of every product's BOM; the tree is shown on the product model's BOM tab."""

    model = BomLine
    menu = "catalog"
    menu_order = 50
    list_fields = ["product_model", "parent", "part", "quantity", "position", "sort"]
    search_fields = ["product_model__code", "product_model__name", "part__code", "part__name", "position"]
    filter_fields = ["product_model", "part"]
    form_fields = ["product_model", "parent", "part", "quantity", "position", "sort"]
    import_fields = ["product_model", "parent", "part", "quantity", "position"]
    select_related = ["product_model", "part", "parent__part"]
    ordering = ["product_model__code", "sort", "id"]
    natural_key = "part"  # with the product model and the parent part: see BomPipeline
    import_pipeline = BomPipeline

    def create(self, *, actor, data):
        return services.bom_line_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.bom_line_update(actor=actor, obj=obj, data=data)


@register
class FaultCodeConfig(ModelConfig):
    model = FaultCode
    menu = "catalog"
    menu_order = 60
    list_fields = ["category", "kind", "code", "name", "status"]
    search_fields = ["code", "name", "description"]
    filter_fields = ["category", "kind", "status"]
    form_fields = ["category", "kind", "code", "name", "description", "status"]
    select_related = ["category"]
    natural_key = "code"  # with the category and the type: see FaultCodePipeline
    import_pipeline = FaultCodePipeline


@register
class ServiceItemConfig(ModelConfig):
    model = ServiceItem
    menu = "catalog"
    menu_order = 70
    list_fields = ["code", "name", "kind", "unit", "price", "status"]
    search_fields = ["code", "name"]
    filter_fields = ["kind", "status"]
    form_fields = ["code", "name", "kind", "unit", "price", "status"]
    natural_key = "code"


@register
class FeeStandardConfig(ModelConfig):
    model = FeeStandard
    menu = "catalog"
    menu_order = 80
    list_fields = ["code", "name", "category", "branch", "door_fee", "labour_per_hour", "valid_from", "valid_to",
                   "status"]
    search_fields = ["code", "name"]
    filter_fields = ["category", "branch", "status"]
    form_fields = ["code", "name", "category", "branch", "door_fee", "labour_per_hour", "formula", "valid_from",
                   "valid_to", "status"]
    select_related = ["category", "branch"]
    natural_key = "code"
    tabs = [Tab("mileage", _("Mileage bands"), "catalog/tabs/mileage_bands.html", views.mileage_bands_tab)]
    actions = [Action("quote", _("Trial calculation"), views.trial_calculation,
                      permission="catalog.view_feestandard")]

    def create(self, *, actor, data):
        return services.fee_standard_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.fee_standard_update(actor=actor, obj=obj, data=data)


@register
class MileageBandConfig(ModelConfig):
    """Edited from the fee standard's "Mileage bands" tab."""

    model = MileageBand
    menu = None
    list_fields = ["fee_standard", "from_km", "to_km", "fixed_fee", "per_km", "note"]
    filter_fields = ["fee_standard"]
    form_fields = ["fee_standard", "from_km", "to_km", "fixed_fee", "per_km", "note"]
    select_related = ["fee_standard"]
    natural_key = "from_km"  # with the fee standard: see MileageBandPipeline
    import_pipeline = MileageBandPipeline

    def create(self, *, actor, data):
        return services.mileage_band_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.mileage_band_update(actor=actor, obj=obj, data=data)


# Tables that outgrow a <select>: pickers search as you type.
registry.choices_search(ProductModel, ["code", "name"])
registry.choices_search(Part, ["code", "name"])
registry.choices_search(BomLine, ["part__code", "part__name", "product_model__code"])
