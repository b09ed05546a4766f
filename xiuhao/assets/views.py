"""Pages of the installed base beyond the registry's CRUD: status actions, the BOM instance's
edits, QR labels and the QR short link, the S/N look-up, and the detail-page tabs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiuhao.core import audit
from xiuhao.core.errors import ServiceError
from xiuhao.core.registry import registry
from xiuhao.core.views import apply_service_error

from . import labels, selectors, services
from .forms import PartAddForm, PartRemoveForm, PartReplaceForm
from .models import Device, DevicePart


def _config():
    return registry.for_model(Device)


def _crumbs(config, obj, leaf):
    return [(config.title, config.url("list")), (str(obj), config.url("detail", obj)), (leaf, None)]


def _form_page(request, *, form, obj, title, cancel_url, config):
    context = {"form": form, "object": obj, "page_title": title, "cancel_url": cancel_url,
               "breadcrumbs": _crumbs(config, obj, title)}
    return TemplateResponse(request, "assets/action_form.html", context, status=400 if form.errors else 200)


# -- BOM instance ---------------------------------------------------------------------------------------
def _device_for_change(request, pk):
    if not request.user.has_perm("assets.change_device"):
        raise DjangoPermissionDenied
    return get_object_or_404(_config().queryset(request.user, "change"), pk=pk)


def _bom_url(config, device):
    return config.url("detail", device) + "?tab=bom"


@login_required
def part_add(request, pk):
    config, device = _config(), _device_for_change(request, pk)
    form = PartAddForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.device_part_add(actor=request.user, device=device, part=data["part"], quantity=data["quantity"],
                                     parent=data.get("parent"), part_serial=data["part_serial"],
                                     position=data["position"])
        except ServiceError as exc:
            apply_service_error(request, exc, form)
        else:
            messages.success(request, _("The part was added."))
            return redirect(_bom_url(config, device))
    return _form_page(request, form=form, obj=device, title=_("Add part"), cancel_url=_bom_url(config, device),
                      config=config)


def _line(device, line_pk):
    return get_object_or_404(DevicePart.objects.select_related("part"), pk=line_pk, device=device)


@login_required
def part_replace(request, pk, line_pk):
    config, device = _config(), _device_for_change(request, pk)
    line = _line(device, line_pk)
    form = PartReplaceForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.device_part_replace(actor=request.user, line=line, new_part=data.get("new_part"),
                                         part_serial=data["part_serial"], on=data.get("on"))
        except ServiceError as exc:
            apply_service_error(request, exc, form)
        else:
            messages.success(request, _("%(part)s was replaced.") % {"part": line.part})
            return redirect(_bom_url(config, device))
    return _form_page(request, form=form, obj=device, title=_("Replace %(part)s") % {"part": line.part},
                      cancel_url=_bom_url(config, device), config=config)


@login_required
def part_remove(request, pk, line_pk):
    config, device = _config(), _device_for_change(request, pk)
    line = _line(device, line_pk)
    form = PartRemoveForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.device_part_remove(actor=request.user, line=line, on=form.cleaned_data.get("on"))
        except ServiceError as exc:
            apply_service_error(request, exc, form)
        else:
            messages.success(request, _("%(part)s was removed.") % {"part": line.part})
            return redirect(_bom_url(config, device))
    return _form_page(request, form=form, obj=device, title=_("Remove %(part)s") % {"part": line.part},
                      cancel_url=_bom_url(config, device), config=config)


# -- QR labels ---------------------------------------------------------------------------------------
def _pdf_response(request, devices, name):
    pdf = labels.labels_pdf(devices)
    audit.record(actor=request.user, action="export", verb="assets.device_labels",
                 message=_("Printed %(count)s QR labels") % {"count": len(devices)})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def print_labels(request):
    """The list's "Print labels": the ticked rows, or every row of the list's current filter."""
    config = _config()
    if not request.user.has_perm("assets.print_labels_device"):
        raise DjangoPermissionDenied
    rows = config.queryset(request.user)
    filters = QueryDict(request.POST.get("filters", ""))
    back = config.url("list") + (f"?{filters.urlencode()}" if filters else "")
    if request.POST.get("scope") == "all":
        filterset = config.filterset(filters or None, queryset=rows, request=request)
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("The filter is not valid; no labels were printed."))
            return redirect(back)
        rows = filterset.qs
    else:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
        rows = rows.filter(pk__in=ids)
    count = rows.count()
    if not count:
        messages.error(request, _("Select at least one device to print labels for."))
        return redirect(back)
    if count > labels.MAX_LABELS:
        messages.error(request, _("%(count)s devices are selected; one PDF holds at most %(max)s labels. "
                                  "Narrow the filter and print in parts.") % {"count": count, "max": labels.MAX_LABELS})
        return redirect(back)
    devices = list(rows.select_related("product_model", "customer").order_by("serial"))
    return _pdf_response(request, devices, f"device-labels-{timezone.localdate():%Y%m%d}.pdf")


def device_label(request, config, device):
    """The detail page's "Print label": one label (top left of the sheet)."""
    return _pdf_response(request, [device], f"device-label-{device.pk}.pdf")


def qr_redirect(request, token):
    """/d/<qr_token>/ from a label: staff who may see the device go to its page; anybody else
    gets the login page (an unknown code answers the same, so codes cannot be probed)."""
    user = request.user
    if user.is_authenticated and user.has_perm("assets.view_device"):
        device = Device.objects.visible_to(user).filter(qr_token=token).first()
        if device is not None:
            return redirect(_config().url("detail", device))
    return redirect_to_login(request.get_full_path())


# -- S/N look-up -------------------------------------------------------------------------------------
@login_required
def lookup(request):
    if not request.user.has_perm("assets.view_device"):
        raise DjangoPermissionDenied
    serial = (request.GET.get("serial") or "").strip()[:100]
    device, shipments = selectors.device_lookup(user=request.user, serial=serial)
    config = _config()
    context = {
        "serial": serial, "device": device, "shipments": shipments, "searched": bool(serial),
        "device_url": config.url("detail", device) if device else "",
        "today": timezone.localdate(), "page_title": _("S/N look-up"),
        "breadcrumbs": [(registry.sections["assets"].label, None), (_("S/N look-up"), None)],
    }
    return TemplateResponse(request, "assets/lookup.html", context)


# -- detail-page tabs ---------------------------------------------------------------------------------
def bom_tab(device, request):
    return {"rows": selectors.device_parts_tree(device),
            "can_edit_bom": request.user.has_perm("assets.change_device")}


def repairs_tab(device, request):
    return selectors.repair_history(device, request.user)


def shipments_tab(device, request):
    return {"shipments": device.shipments.order_by("-shipped_on", "-id")}


CUSTOMER_TAB_LIMIT = 200


def customer_devices_tab(customer, request):
    """The customer page's "Devices" tab: the customer's devices the user may see."""
    devices = (Device.objects.visible_to(request.user).filter(customer=customer)
               .select_related("product_model", "address").order_by("serial"))
    total = devices.count()
    return {"devices": list(devices[:CUSTOMER_TAB_LIMIT]), "total": total, "shown": min(total, CUSTOMER_TAB_LIMIT),
            "more": total > CUSTOMER_TAB_LIMIT}


# -- 保修到期: devices whose warranty ends soon ----------------------------------------------------------
WARRANTY_WINDOWS = (7, 30, 60, 90, 180)


def warranty_window(request):
    try:
        days = int(request.GET.get("days") or 0)
    except ValueError:
        days = 0
    return days if days in WARRANTY_WINDOWS else max(warranty_thresholds() or [30])


def warranty_thresholds():
    from .jobs import thresholds

    return thresholds()


@login_required
def warranties_ending(request):
    """The devices whose warranty ends within the chosen window (7 … 180 days): customer, model,
    site, end date, days left, and the contract covering each — or a button to offer one."""
    if not request.user.has_perm("assets.view_device"):
        raise DjangoPermissionDenied
    from django.core.paginator import Paginator

    today = timezone.localdate()
    days = warranty_window(request)
    rows = selectors.warranties_ending(user=request.user, today=today, days=days)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    devices = list(page.object_list)
    contracts = registry.port("device_contracts")(request.user, devices, today)
    config = _config()
    lines = [{"device": d, "url": config.url("detail", d), "days_left": (d.warranty_end - today).days,
              **contracts.get(d.pk, {})} for d in devices]
    context = {
        "page": page, "lines": lines, "days": days, "windows": WARRANTY_WINDOWS, "today": today,
        "alerts_url": registry.configs["assets.warrantyalert"].url("list")
        if request.user.has_perm("assets.view_warrantyalert") else "",
        "page_title": _("Warranties ending"),
        "breadcrumbs": [(registry.sections["assets"].label, None), (_("Warranties ending"), None)],
    }
    return TemplateResponse(request, "assets/warranties_ending.html", context)
