"""Catalogue: product categories and models, brands, spare parts, BOMs, fault codes, service items
and fee standards 收费标准. Catalogue data is company-wide (not branch-scoped)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiuhao.core import constraints
from xiuhao.core.fields import money_field
from xiuhao.core.models import TimeStampedModel
from xiuhao.core.scope import ScopedManager
from xiuhao.org.models import Status


class ProductCategory(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("parent category"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    sort = models.PositiveIntegerField(_("sort order"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["sort", "code"]
        permissions = [("export_productcategory", _("Can export product categories")),
                       ("import_productcategory", _("Can import product categories"))]

    def __str__(self):
        return self.name


class Brand(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["code"]
        permissions = [("export_brand", _("Can export brands")), ("import_brand", _("Can import brands"))]

    def __str__(self):
        return self.name


class ProductModel(TimeStampedModel):
    """A product model 产品型号 that devices are instances of."""

    code = models.CharField(_("model code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="models")
    brand = models.ForeignKey(Brand, verbose_name=_("brand"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="models")
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    warranty_months = models.PositiveSmallIntegerField(_("default warranty (months)"), default=12)
    price = money_field(_("list price"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    description = models.TextField(_("description"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["code"]
        permissions = [("export_productmodel", _("Can export product models")),
                       ("import_productmodel", _("Can import product models"))]

    def __str__(self):
        return f"{self.code} {self.name}"


class Part(TimeStampedModel):
    """A spare part 备件/物料."""

    code = models.CharField(_("part code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    spec = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="个")
    category = models.ForeignKey(ProductCategory, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="parts")
    brand = models.ForeignKey(Brand, verbose_name=_("brand"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="parts")
    cost = money_field(_("cost"))
    price = money_field(_("price"))
    serial_tracked = models.BooleanField(_("serial-tracked"), default=False)
    safety_stock = models.PositiveIntegerField(_("safety stock"), default=0)
    warranty_months = models.PositiveSmallIntegerField(_("repair warranty (months)"), default=3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["code"]
        permissions = [("export_part", _("Can export spare parts")), ("import_part", _("Can import spare parts"))]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save_warnings(self, hidden=()):
        """Advice, not a refusal, shown after a save (the page's warning message, the API's
        `warnings`). Only to those who may see the cost."""
        if "cost" not in hidden and "price" not in hidden and self.price and self.cost and self.price < self.cost:
            return [_("The price %(price)s is below the cost %(cost)s.") % {"price": self.price, "cost": self.cost}]
        return []


class BomLine(TimeStampedModel):
    """One line of a product model's multi-level BOM 设备BOM: `quantity` of `part` per one unit of
    the parent line's part (or of the product when the line is top-level)."""

    product_model = models.ForeignKey(ProductModel, verbose_name=_("product model"), on_delete=models.CASCADE,
                                      related_name="bom_lines")
    parent = models.ForeignKey("self", verbose_name=_("parent part"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="children",
                               help_text=_("The line this part is fitted under; empty for a top-level part."))
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.PROTECT, related_name="bom_lines")
    quantity = models.DecimalField(_("unit quantity"), max_digits=12, decimal_places=3, default=Decimal("1"),
                                   validators=[MinValueValidator(Decimal("0.001"))])
    position = models.CharField(_("position"), max_length=50, blank=True)
    sort = models.PositiveIntegerField(_("sort order"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        ordering = ["product_model", "sort", "id"]
        permissions = [("export_bomline", _("Can export BOM lines")), ("import_bomline", _("Can import BOM lines"))]
        constraints = [
            constraints.CheckConstraint(condition=models.Q(quantity__gt=0), name="bomline_quantity_positive",
            field="quantity", message=_("The quantity must be greater than zero.")),
            constraints.UniqueConstraint(fields=["product_model", "part"], condition=models.Q(parent__isnull=True),
                                    name="bomline_top_part_unique",
            field="part", message=_("This part is already in the model's bill of materials.")),
            constraints.UniqueConstraint(fields=["parent", "part"], name="bomline_child_part_unique",
            field="part", message=_("This part is already under the same parent line.")),
        ]

    def __str__(self):
        return f"{self.part} × {self.quantity}"


class FaultCode(TimeStampedModel):
    """A symptom, cause or action code 故障代码 of a product category."""

    class Kind(models.TextChoices):
        SYMPTOM = "symptom", _("Symptom")
        CAUSE = "cause", _("Cause")
        ACTION = "action", pgettext_lazy("fault code type", "Action")

    category = models.ForeignKey(ProductCategory, verbose_name=_("product category"), on_delete=models.PROTECT,
                                 related_name="fault_codes")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("fault code")
        verbose_name_plural = _("fault codes")
        ordering = ["category", "kind", "code"]
        permissions = [("export_faultcode", _("Can export fault codes")),
                       ("import_faultcode", _("Can import fault codes"))]
        constraints = [constraints.UniqueConstraint(fields=["category", "kind", "code"], name="faultcode_unique",
            field="code", message=_("A fault code with this code already exists in this category and kind."))]

    def __str__(self):
        return f"{self.code} {self.name}"


class ServiceItem(TimeStampedModel):
    """A chargeable service item 服务项目 (door fee, labour, mileage, inspection…)."""

    class Kind(models.TextChoices):
        DOOR_FEE = "door_fee", _("Door fee")
        LABOUR = "labour", _("Labour")
        MILEAGE = "mileage", _("Mileage")
        INSPECTION = "inspection", _("Inspection")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    unit = models.CharField(_("unit"), max_length=20, default="次")
    price = money_field(_("price"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]
        permissions = [("export_serviceitem", _("Can export service items")),
                       ("import_serviceitem", _("Can import service items"))]

    def __str__(self):
        return self.name


class FeeStandard(TimeStampedModel):
    """A fee standard 收费标准: door fee, labour per hour, mileage bands and an optional custom
    formula over named variables (evaluated by a restricted expression evaluator, never eval)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(ProductCategory, verbose_name=_("product category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("org.Branch", verbose_name=_("branch"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    door_fee = money_field(_("door fee"))
    labour_per_hour = money_field(_("labour per hour"))
    formula = models.TextField(_("custom fee formula"), blank=True, help_text=_(
        "Optional extra fee line, an expression such as: round(base * 0.1, 2) if tier == \"gold\" else 0. "
        "Variables: door_fee, labour_per_hour, hours, km, visits, door_amount, labour_fee, mileage_fee, "
        "parts_amount, base, tier; functions: min, max, round, ceil, floor, abs."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("fee standard")
        verbose_name_plural = _("fee standards")
        ordering = ["code"]
        permissions = [("export_feestandard", _("Can export fee standards")),
                       ("import_feestandard", _("Can import fee standards"))]
        constraints = [
            constraints.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="feestandard_valid_period",
            field="valid_to", message=_("The end of validity cannot be before its start.")),
        ]

    def __str__(self):
        return self.name


class MileageBand(models.Model):
    """Mileage fee 里程数计算费用: for a one-way distance in [from_km, to_km) the fee is
    `fixed_fee + per_km × (km − from_km)`; the last band has no upper bound."""

    fee_standard = models.ForeignKey(FeeStandard, verbose_name=_("fee standard"), on_delete=models.CASCADE,
                                     related_name="mileage_bands")
    from_km = models.DecimalField(_("from (km)"), max_digits=8, decimal_places=1,
                                  validators=[MinValueValidator(Decimal("0"))])
    to_km = models.DecimalField(_("to (km)"), max_digits=8, decimal_places=1, null=True, blank=True)
    fixed_fee = money_field(_("fixed fee"))
    per_km = money_field(_("fee per km"))
    note = models.CharField(_("note"), max_length=50, blank=True, help_text=_("e.g. city area, suburbs"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("mileage band")
        verbose_name_plural = _("mileage bands")
        ordering = ["fee_standard", "from_km"]
        constraints = [
            constraints.UniqueConstraint(fields=["fee_standard", "from_km"], name="mileageband_from_unique",
            field="from_km", message=_("A band starting at this distance already exists for this fee standard.")),
            constraints.CheckConstraint(condition=models.Q(to_km__isnull=True) | models.Q(to_km__gt=models.F("from_km")),
                                   name="mileageband_to_after_from",
            field="to_km", message=_("The band must end after it starts.")),
        ]

    def __str__(self):
        return f"{self.from_km}–{self.to_km or '∞'} km"
