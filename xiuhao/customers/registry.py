"""Registry declarations of customers, contacts and addresses (pages, API, import, export, menu)
and of the customer and device maps."""

from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from xiuhao.core import audit, maps
from xiuhao.core.registry import ModelConfig, Tab, register, registry

from . import services, views
from .api import CustomerSerializer
from .filtersets import build_customer_filterset
from .forms import CUSTOMER_FIELDS, CustomerForm
from .imports import AddressPipeline, ContactPipeline
from .models import Address, Contact, Customer
from .selectors import customer_search

registry.section("customers", _("Customer management"), "users", 20)

# What the operation log and history tabs call this app's audit verbs.
audit.verb_labels({"bulk_load": _("Bulk load"), "is_primary_moved": _("Primary contact changed"),
                   "is_default_moved": _("Default address changed")})


def _contacts_tab(obj, request):
    return {"contacts": obj.contacts.all(), "contact_config": registry.configs["customers.contact"],
            "can_change_contact": request.user.has_perm("customers.change_contact")}


def _addresses_tab(obj, request):
    return {"addresses": obj.addresses.select_related("region", "contact"),
            "address_config": registry.configs["customers.address"],
            "can_change_address": request.user.has_perm("customers.change_address")}


@register
class CustomerConfig(ModelConfig):
    model = Customer
    menu = "customers"
    menu_order = 10
    icon = "users"
    list_fields = ["code", "name", "tier", "kind", "region", "phone", "owner", "outlet", "branch", "status"]
    search_fields = ["code", "name", "name_initials", "name_pinyin", "phone_digits"]
    filter_fields = ["tier", "kind", "status", "region", "branch", "owner", "outlet"]
    form_fields = CUSTOMER_FIELDS
    detail_fields = [f for f in CUSTOMER_FIELDS if f != "remark"] + ["remark", "created_by", "created_at"]
    export_fields = CUSTOMER_FIELDS
    # Regions are found from the address text (the service suggests them); no region column.
    import_fields = [f for f in CUSTOMER_FIELDS if f != "region"]
    select_related = ["region", "owner", "outlet", "branch"]
    natural_key = "code"
    form_class = CustomerForm
    serializer_class = CustomerSerializer
    form_template = "customers/customer_form.html"
    detail_template = "customers/customer_detail.html"
    tabs = [Tab("contacts", _("Contacts"), "customers/tabs/contacts.html", _contacts_tab),
            Tab("addresses", _("Addresses"), "customers/tabs/addresses.html", _addresses_tab)]

    @cached_property
    def filterset(self):
        return build_customer_filterset(self)

    def search(self, queryset, text):
        """Global search: the same search as the list page."""
        return customer_search(queryset, text)

    def list_links(self):
        return [(_("Customer map"), reverse("map_customers"), "map")]

    def extra_urls(self):
        return [path("customers/customer/rows/<str:kind>/", views.form_row, name="customers_customer_form_row")]

    def create(self, *, actor, data):
        return services.customer_create(actor=actor, **_split(data))

    def update(self, *, actor, obj, data):
        return services.customer_update(actor=actor, obj=obj, **_split(data))

    def delete(self, *, actor, obj):
        return services.customer_delete(actor=actor, obj=obj)


def _split(data):
    """Form / API / import data → the service's arguments. The duplicate check runs when the
    caller could answer it (the page's and the API's `confirm_duplicate`); imports send none."""
    data = dict(data)
    out = {"contacts": data.pop("contacts", ()), "addresses": data.pop("addresses", ()),
           "check": "confirm_duplicate" in data}
    out["confirm_duplicate"] = bool(data.pop("confirm_duplicate", False))
    out["data"] = data
    return out


@register
class ContactConfig(ModelConfig):
    model = Contact
    menu = "customers"
    menu_order = 20
    icon = "address-book"
    list_fields = ["name", "customer", "title", "mobile", "phone", "email", "is_primary"]
    search_fields = ["name", "mobile", "phone", "customer__name", "customer__code"]
    filter_fields = ["is_primary", "customer"]
    form_fields = ["customer", "name", "title", "mobile", "phone", "email", "wechat", "is_primary", "remark"]
    select_related = ["customer"]
    natural_key = "name"  # with the customer: see imports.ContactPipeline
    import_pipeline = ContactPipeline

    def create(self, *, actor, data):
        return services.contact_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.contact_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.contact_delete(actor=actor, obj=obj)


@register
class AddressConfig(ModelConfig):
    model = Address
    menu = "customers"
    menu_order = 30
    icon = "map-pin"
    list_fields = ["label", "customer", "region", "address", "contact", "is_default"]
    search_fields = ["label", "address", "customer__name", "customer__code"]
    filter_fields = ["is_default", "region", "customer"]
    form_fields = ["customer", "label", "region", "address", "lat", "lng", "contact", "is_default"]
    import_fields = ["customer", "label", "address", "lat", "lng", "is_default"]
    select_related = ["customer", "region", "contact"]
    natural_key = "label"  # with the customer: see imports.AddressPipeline
    import_pipeline = AddressPipeline

    def create(self, *, actor, data):
        return services.address_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.address_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.address_delete(actor=actor, obj=obj)


# Customers are many: their pickers (contacts, addresses, devices, contracts…) search as you type.
registry.choices_search(Customer, ["code", "name"])

maps.register_map(maps.MapConfig(
    key="customers", label=_("Customer map"), model_label="customers.customer",
    title_field="name", detail_fields=("code", "tier", "phone", "address"), color_field="tier",
    colors={"gold": "#f59f00", "silver": "#868e96", "standard": "#206bc4"},
))
maps.register_map(maps.MapConfig(
    key="devices", label=_("Device map"), model_label="assets.device",
    title_field="serial", detail_fields=("product_model", "customer", "status", "warranty_end"),
    color_field="status", colors={"registered": "#2fb344", "invalid": "#d63939"},
))
registry.quick_action(_("New customer"), "customers_customer_add", perm="customers.add_customer", order=20)
