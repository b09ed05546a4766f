"""Customers 客户: the companies and people whose devices are serviced, with contacts and sites."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiuhao.core import constraints
from xiuhao.core.fields import latitude_field, longitude_field
from xiuhao.core.models import OwnedModel, TimeStampedModel
from xiuhao.core.numbering import Numbering
from xiuhao.core.scope import ScopedManager, ScopeFields


class Customer(OwnedModel):
    """A customer; coordinates are GCJ-02 (what Chinese map services use)."""

    class Tier(models.TextChoices):
        GOLD = "gold", _("Gold")
        SILVER = "silver", _("Silver")
        STANDARD = "standard", _("Standard")

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        PERSON = "person", _("Individual")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")  # may be chosen for new requests and contracts
        INACTIVE = "inactive", _("Inactive")  # kept for history, hidden from pickers

    # Left blank, the customer is numbered (C000123; System › Document numbering may change it).
    code = models.CharField(_("customer code"), max_length=30, unique=True, blank=True)
    numbering = Numbering(prefix="C", pattern="{prefix}{seq:06d}")
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    tier = models.CharField(_("service tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    tax_no = models.CharField(_("unified social credit code"), max_length=30, blank=True, db_index=True,
                              help_text=_("Tax number (统一社会信用代码); the duplicate check compares it."))
    region = models.ForeignKey("org.Region", verbose_name=_("region"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=255, blank=True)
    lat = latitude_field()
    lng = longitude_field()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account manager"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    outlet = models.ForeignKey("org.Outlet", verbose_name=_("serving outlet"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="customers")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    remark = models.TextField(_("remark"), blank=True)
    # Search columns, kept in step with name and phones by the services (pinyin, initials, digits).
    name_pinyin = models.CharField(max_length=600, blank=True, editable=False)
    name_initials = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    phone_digits = models.CharField(max_length=400, blank=True, editable=False)
    name_normalized = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    # The region a name starts with (GB/T 2260 prefix, "4403" for 深圳市…), kept apart from
    # name_normalized by customers.similarity; "" when the name names none.
    name_region = models.CharField(max_length=6, blank=True, editable=False)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department="department", owner="owner", outlet="outlet")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [("export_customer", _("Can export customers")),
                       ("import_customer", _("Can import customers"))]

    def __str__(self):
        return self.name


class Contact(TimeStampedModel):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("job title"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    remark = models.CharField(_("remark"), max_length=255, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("customer")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "-is_primary", "name"]
        permissions = [("export_contact", _("Can export contacts")), ("import_contact", _("Can import contacts"))]
        constraints = [
            constraints.UniqueConstraint(fields=["customer"], condition=models.Q(is_primary=True),
                                    name="contact_one_primary_per_customer",
            field="is_primary", message=_("The customer already has a primary contact.")),
        ]

    def __str__(self):
        return self.name


class Address(TimeStampedModel):
    """A site 地址 of a customer where devices stand and engineers go."""

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="addresses")
    label = models.CharField(_("site name"), max_length=100)
    region = models.ForeignKey("org.Region", verbose_name=_("region"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=255)
    lat = latitude_field()
    lng = longitude_field()
    contact = models.ForeignKey(Contact, verbose_name=_("site contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    is_default = models.BooleanField(_("default address"), default=False)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("customer")

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["customer", "-is_default", "label"]
        permissions = [("export_address", _("Can export addresses")),
                       ("import_address", _("Can import addresses"))]
        constraints = [
            constraints.UniqueConstraint(fields=["customer", "label"], name="address_label_unique_per_customer",
            field="label", message=_("The customer already has an address with this label.")),
            constraints.UniqueConstraint(fields=["customer"], condition=models.Q(is_default=True),
                                    name="address_one_default_per_customer",
            field="is_default", message=_("The customer already has a default address.")),
        ]

    def __str__(self):
        return f"{self.label} {self.address}"


class CustomerNameKey(models.Model):
    """One character bigram of a customer's cleaned name (customers.similarity): the index the
    duplicate check looks similar names up in, instead of reading every customer. Kept by the
    services with the name."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=4)

    class Meta:
        indexes = [models.Index(fields=["token", "customer"], name="customer_name_key_token")]

    def __str__(self):
        return self.token
