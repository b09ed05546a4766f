"""Pages, API and menu of the contracts; the Coverage tab on the device page and the Contracts tab
on the customer's 360° page."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from xiuhao.core import audit
from xiuhao.core.api import ScopedModelSerializer
from xiuhao.core.registry import Action, ModelConfig, Tab, register, registry
from xiuhao.core.visibility import Sensitive

from . import imports, services, views, workbench  # noqa: F401  (workbench: start page card, warranty list)
from .models import Contract, ContractAlert, ContractChange, ContractDevice, CounterReading, PaymentPlan

registry.section("contracts", _("Contracts"), "file-certificate", 45)

# What the operation log and history tabs call this app's audit verbs (moves name their own).
audit.verb_labels({"renewal": _("Created as a renewal"), "payment": _("Payment received")})

CONTRACT_TERMS = ["signed_on", "start_date", "end_date", "amount", "response_hours", "onsite_hours", "repair_hours",
                  "visits_included", "parts_pct", "labour_pct", "travel_pct", "deposit", "monthly_fee",
                  "monthly_quota", "excess_price", "remark"]

# The money of a contract (and of its instalments and counter charges) is for the office, not for
# engineers and outlets.
AMOUNTS = Sensitive("contracts.view_amount_contract", _("Can see contract amounts"))
CONTRACT_MONEY = {name: AMOUNTS for name in ("amount", "deposit", "monthly_fee", "excess_price")}


def serializer_for(model, fields, read_only):
    """The API shows what the services keep (status, amounts received, usage) read-only next to
    the writable form fields."""
    read_only = [*read_only, "created_at", "updated_at"]
    meta = type("Meta", (), {"model": model, "fields": ["id", "display", *fields, *read_only],
                             "read_only_fields": read_only, "validators": []})
    return type(f"{model.__name__}Serializer", (ScopedModelSerializer,), {"Meta": meta})


@register
class ContractConfig(ModelConfig):
    model = Contract
    menu = "contracts"
    menu_order = 10
    icon = "file-certificate"
    list_fields = ["code", "name", "kind", "customer", "provider", "start_date", "end_date", "status", "amount"]
    search_fields = ["code", "name", "customer__name", "customer__code"]
    filter_fields = ["kind", "status", "branch", "provider"]
    form_fields = ["code", "name", "kind", "customer", "provider", "owner", "branch", *CONTRACT_TERMS]
    detail_fields = ["code", "name", "kind", "status", "customer", "provider", "owner", "branch", *CONTRACT_TERMS,
                     "renewed_from", "terminated_reason"]
    import_fields = ["code", "name", "kind", "customer", "provider", "owner", *CONTRACT_TERMS]
    select_related = ["customer", "provider", "owner", "branch", "renewed_from"]
    natural_key = "code"
    serializer_class = serializer_for(Contract, form_fields, ["status", "renewed_from", "terminated_reason"])
    sensitive_fields = CONTRACT_MONEY
    refusals = {"destroy": [Contract.Refusals.NOT_DRAFT]}
    tabs = [
        Tab("devices", _("Covered devices"), "contracts/tabs/covered.html", views.covered_tab,
            permission="contracts.view_contractdevice"),
        # Money and meter readings only for those who may see them (not engineers or outlets).
        Tab("payments", _("Payment plan"), "contracts/tabs/payments.html", views.payments_tab,
            permission="contracts.view_paymentplan"),
        Tab("readings", _("Counter readings"), "contracts/tabs/readings.html", views.readings_tab,
            permission="contracts.view_counterreading"),
        Tab("changes", _("Renewals and extensions"), "contracts/tabs/changes.html", views.changes_tab),
    ]

    def create(self, *, actor, data):
        return services.contract_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.contract_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.contract_delete(actor=actor, obj=obj)

    def extra_urls(self):
        return [
            path("contracts/contract/<int:pk>/devices/add/", views.covered_add, name="contracts_contract_covered_add"),
            path("contracts/contract/<int:pk>/devices/<int:link_pk>/remove/", views.covered_remove,
                 name="contracts_contract_covered_remove"),
        ]


@register
class ContractDeviceConfig(ModelConfig):
    model = ContractDevice
    menu = None
    list_fields = ["contract", "device", "start_date", "end_date", "note"]
    search_fields = ["contract__code", "device__serial"]
    filter_fields = ["contract"]
    form_fields = ["contract", "device", "start_date", "end_date", "note"]
    select_related = ["contract", "device"]
    natural_key = "device"  # with the contract: see imports.CoveredDevicePipeline
    import_fields = ["contract", "device", "start_date", "end_date", "note"]
    import_pipeline = imports.CoveredDevicePipeline
    refusals = {"create": [Contract.Refusals.TERMINATED], "update": [Contract.Refusals.TERMINATED]}

    def create(self, *, actor, data):
        return services.contract_device_add(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.contract_device_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.contract_device_remove(actor=actor, obj=obj)


@register
class PaymentPlanConfig(ModelConfig):
    model = PaymentPlan
    menu = "contracts"
    menu_order = 20
    icon = "cash"
    list_fields = ["contract", "due_date", "amount", "paid_amount", "paid_on", "status", "note"]
    search_fields = ["contract__code", "contract__name", "note"]
    filter_fields = ["status", "contract"]
    form_fields = ["contract", "due_date", "amount", "note"]
    detail_fields = ["contract", "due_date", "amount", "paid_amount", "paid_on", "status", "note"]
    select_related = ["contract"]
    natural_key = "due_date"  # with the contract: see imports.PaymentPlanPipeline
    import_fields = ["contract", "due_date", "amount", "note"]
    import_pipeline = imports.PaymentPlanPipeline
    serializer_class = serializer_for(PaymentPlan, form_fields, ["paid_amount", "paid_on", "status"])
    sensitive_fields = {"amount": AMOUNTS, "paid_amount": AMOUNTS}
    refusals = {"destroy": [PaymentPlan.Refusals.HAS_PAYMENTS]}
    actions = [Action("record-payment", _("Record payment"), views.record_payment,
                      permission="contracts.change_paymentplan")]

    def create(self, *, actor, data):
        return services.payment_plan_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.payment_plan_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.payment_plan_delete(actor=actor, obj=obj)


@register
class CounterReadingConfig(ModelConfig):
    model = CounterReading
    menu = "contracts"
    menu_order = 30
    icon = "gauge"
    list_fields = ["contract", "device", "read_on", "value", "usage", "excess", "excess_amount"]
    search_fields = ["contract__code", "device__serial"]
    filter_fields = ["contract"]
    form_fields = ["contract", "device", "read_on", "value"]
    detail_fields = ["contract", "device", "read_on", "value", "usage", "excess", "excess_amount"]
    select_related = ["contract", "device"]
    serializer_class = serializer_for(CounterReading, form_fields, ["usage", "excess", "excess_amount"])
    sensitive_fields = {"excess_amount": AMOUNTS}
    deletable = False  # later readings count from this one

    def create(self, *, actor, data):
        return services.counter_reading_create(actor=actor, data=data)

    def update(self, *, actor, obj, data):
        return services.counter_reading_update(actor=actor, obj=obj, data=data)


@register
class ContractChangeConfig(ModelConfig):
    model = ContractChange
    menu = None
    list_fields = ["contract", "kind", "old_end", "new_end", "reason", "actor", "created_at"]
    search_fields = ["contract__code", "reason"]
    filter_fields = ["kind"]
    form_fields = []  # written by the status moves only
    detail_fields = ["contract", "kind", "old_end", "new_end", "reason", "actor", "created_at"]
    select_related = ["contract", "actor"]
    deletable = False


@register
class ContractAlertConfig(ModelConfig):
    model = ContractAlert
    menu = "contracts"
    menu_order = 40
    icon = "bell"
    menu_label = _("Contract expiry alerts")
    list_fields = ["contract", "days_before", "end_date", "recipient", "created_at"]
    search_fields = ["contract__code", "contract__name"]
    filter_fields = ["days_before"]
    form_fields = []  # written by the daily alert job only
    detail_fields = ["contract", "days_before", "end_date", "recipient", "created_at"]
    select_related = ["contract", "recipient"]
    deletable = False


registry.add_tab("assets.device", Tab("coverage", _("Coverage"), "contracts/tabs/device_coverage.html",
                                      views.device_coverage_tab, permission="contracts.view_contract"))
registry.add_tab("customers.customer", Tab("contracts", _("Service contracts"), "contracts/tabs/customer_contracts.html",
                                           views.customer_contracts_tab, permission="contracts.view_contract"))

# Contracts grow into the thousands: the contract pickers of instalments, readings and covered
# devices search as you type.
registry.choices_search(Contract, ["code", "name"])
registry.message_kind("contract_expiry", _("Contract expiry"))
