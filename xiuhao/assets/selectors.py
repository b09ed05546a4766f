"""Reads of the installed base, always scoped by `visible_to(user)`."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiuhao.core import audit, history

from .models import Device, DevicePart, Shipment

# Verbs of the device's own audit events that belong in its repair history.
HISTORY_VERBS = ("part_add", "part_remove", "part_replace", "set_invalid", "restore", "shipment")
HISTORY_FIELDS = ("status", "warranty_start", "warranty_end", "warranty_kind", "customer", "address")
HISTORY_TITLES = {
    "part_add": _("Part fitted"), "part_remove": _("Part removed"), "part_replace": _("Part replaced"),
    "set_invalid": _("Set invalid"), "restore": _("Restored"), "shipment": _("ERP shipment"),
    "create": _("Registered"), "update": _("Changed"), "import": _("Imported"),
}

# Later modules (service requests, repairs) add callables `source(device, user) -> [entry]`, an
# entry being {"at": datetime, "kind": str, "title": str, "detail": str, "url": str, "actor": str}.
REPAIR_HISTORY_SOURCES: list = []


def device_parts_tree(device):
    """The device's BOM instance as rows in tree order, each with `.depth` (fitted and removed)."""
    parts = list(DevicePart.objects.filter(device=device).select_related("part").order_by("id"))
    children = {}
    for p in parts:
        children.setdefault(p.parent_id, []).append(p)
    rows = []

    def walk(parent_id, depth):
        for p in children.get(parent_id, []):
            p.depth = depth
            rows.append(p)
            walk(p.pk, depth + 1)

    walk(None, 0)
    return rows


def repair_history(device, user):
    """What happened to the device so far: part changes, status and warranty changes from the
    audit log, shipments, and whatever later modules contribute; newest first."""
    events = (audit.history_for(device)
              .filter(Q(verb__in=HISTORY_VERBS) | Q(changes__has_any_keys=list(HISTORY_FIELDS)))[:300])
    entries = []
    for e in events:
        changes = {k: v for k, v in (e.changes or {}).items() if k in HISTORY_FIELDS or e.verb in HISTORY_VERBS}
        kind = e.verb if e.verb in HISTORY_TITLES else e.action
        entries.append({"at": e.at, "kind": kind, "title": HISTORY_TITLES.get(kind, e.get_action_display()),
                        "detail": e.message, "rows": history.change_rows(Device, changes), "actor": e.actor_name,
                        "url": ""})
    for source in REPAIR_HISTORY_SOURCES:
        entries.extend(source(device, user))
    entries.sort(key=lambda x: x["at"], reverse=True)
    return {"entries": entries}


def device_lookup(*, user, serial):
    """The device with this serial if `user` may see it, and the shipments of that serial the
    user may see (ERP lines that were never linked to a device included)."""
    serial = (serial or "").strip()
    if not serial:
        return None, []
    device = (Device.objects.visible_to(user).select_related("product_model", "customer", "address", "branch", "outlet")
              .filter(serial=serial).first())
    shipments = Shipment.objects.visible_to(user).filter(serial=serial)
    if device is not None:
        shipments = Shipment.objects.filter(serial=serial).filter(
            Q(pk__in=shipments.values("pk")) | Q(device=device))
    return device, list(shipments.order_by("-shipped_on", "-id"))


def warranties_ending(*, user, today, days):
    """Registered devices within the user's scope whose warranty ends between today and `days`
    later, the soonest first (the warranty list 保修到期 and its start-page card)."""
    import datetime

    return (Device.objects.visible_to(user)
            .filter(status=Device.Status.REGISTERED, warranty_end__gte=today,
                    warranty_end__lte=today + datetime.timedelta(days=days))
            .select_related("customer", "product_model", "address", "branch")
            .order_by("warranty_end", "serial", "pk"))
