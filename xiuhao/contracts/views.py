"""Pages of the contracts beyond the registry's CRUD: the status moves (detail-page actions), the
covered-devices and payment tabs' forms, and the tabs other apps' pages get from us."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.assets.models import Device
from xiuhao.core.errors import ServiceError
from xiuhao.core.views import apply_service_error

from . import services
from .coverage import coverage_for
from .models import Contract, ContractDevice

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount received"), max_digits=14, decimal_places=2,
                                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}))
    paid_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE)
    expected_paid = forms.DecimalField(max_digits=14, decimal_places=2, widget=forms.HiddenInput)


# -- tabs of the contract ------------------------------------------------------------------------------
def covered_tab(contract, request):
    links = contract.covered.select_related("device__product_model").order_by("device__serial")
    candidates = Device.objects.none()
    if services.may_cover(request.user, contract):  # the service's own rule
        candidates = (Device.objects.serviceable().visible_to(request.user)
                      .filter(customer_id=contract.customer_id).exclude(contract_links__contract=contract)
                      .select_related("product_model").order_by("serial"))
    return {"links": links, "candidates": candidates, "contract": contract}


def payments_tab(contract, request):
    plans = list(contract.payments.order_by("due_date", "pk"))
    planned = sum((p.amount for p in plans), start=contract.amount * 0)
    received = sum((p.paid_amount for p in plans), start=contract.amount * 0)
    return {"plans": plans, "planned": planned, "received": received, "contract": contract,
            "mismatch": bool(plans) and planned != contract.amount}


def changes_tab(contract, request):
    return {"changes": contract.changes.select_related("actor").order_by("-created_at", "-pk"),
            "renewal": Contract.objects.filter(renewed_from=contract).first()}


def readings_tab(contract, request):
    return {"readings": contract.readings.select_related("device").order_by("device__serial", "-read_on"),
            "contract": contract}


def _contract_for(request, pk, permission):
    if not request.user.has_perm(permission):
        raise DjangoPermissionDenied
    return get_object_or_404(Contract.objects.restrict(request.user, "view"), pk=pk)


def covered_add(request, pk):
    """The covered-devices tab's picker posts here."""
    contract = _contract_for(request, pk, "contracts.add_contractdevice")
    if request.method == "POST":
        device = Device.objects.visible_to(request.user).filter(pk=request.POST.get("device") or 0).first()
        if device is None:
            messages.error(request, _("Please choose a device."))
        else:
            try:
                services.contract_device_add(actor=request.user, data={"contract": contract, "device": device})
            except ServiceError as exc:
                messages.error(request, " ".join(str(m) for v in exc.fields.values() for m in v) or str(exc.message))
            else:
                messages.success(request, _("The device %(serial)s is now covered.") % {"serial": device.serial})
    return redirect(f"{_detail(contract)}?tab=devices")


def covered_remove(request, pk, link_pk):
    contract = _contract_for(request, pk, "contracts.delete_contractdevice")
    link = get_object_or_404(ContractDevice.objects.visible_to(request.user), pk=link_pk, contract=contract)
    if request.method == "POST":
        try:
            services.contract_device_remove(actor=request.user, obj=link)
        except ServiceError as exc:
            apply_service_error(request, exc)
        else:
            messages.success(request, _("The device %(serial)s is no longer covered.") % {"serial": link.device.serial})
    return redirect(f"{_detail(contract)}?tab=devices")


def _detail(contract):
    from django.urls import reverse

    return reverse("contracts_contract_detail", args=[contract.pk])


def record_payment(request, config, plan):
    """The payment plan's "Record payment" action."""
    form = PaymentForm(request.POST or None, initial={"paid_on": timezone.localdate(),
                                                      "amount": plan.amount - plan.paid_amount,
                                                      "expected_paid": plan.paid_amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_record(actor=request.user, plan=plan, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(request, exc, form)
        else:
            messages.success(request, _("The payment was recorded."))
            return redirect(_detail(plan.contract) + "?tab=payments")
    context = {
        "form": form, "object": plan, "config": config, "title": _("Record payment"),
        "intro": _("Instalment %(amount)s due %(due)s; received so far %(paid)s.") % {
            "amount": plan.amount, "due": plan.due_date.isoformat(), "paid": plan.paid_amount},
        "cancel_url": config.url("detail", plan),
        "breadcrumbs": [(config.title, config.url("list")), (str(plan), config.url("detail", plan)),
                        (_("Record payment"), None)],
    }
    return TemplateResponse(request, "core/move.html", context, status=400 if form.errors else 200)


# -- tabs on other apps' pages ---------------------------------------------------------------------------
def _as_of(request):
    text = request.GET.get("at", "")
    try:
        return datetime.date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def device_coverage_tab(device, request):
    day = _as_of(request)
    return {"coverage": coverage_for(device, at=day).seen_by(request.user), "as_of": day}


def customer_contracts_tab(customer, request):
    contracts = (Contract.objects.restrict(request.user, "view").filter(customer=customer)
                 .select_related("provider").order_by("-start_date", "-pk"))
    return {"contracts": contracts, "can_view": request.user.has_perm("contracts.view_contract")}
