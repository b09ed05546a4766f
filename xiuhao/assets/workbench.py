"""Warranties ending on the start page 工作台: devices within the user's scope whose warranty ends
within the alert window (the largest of WARRANTY_ALERT_DAYS), the soonest first."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.registry import registry
from xiuhao.core.workbench import ITEMS_PER_CARD, Card, Item

from . import selectors
from .jobs import thresholds


def warranties_card(user, phone=False):
    today = timezone.localdate()
    days = max(thresholds() or [30])
    rows = selectors.warranties_ending(user=user, today=today, days=days)
    count = rows.count()
    config = registry.configs["assets.device"]
    items = []
    for device in rows[:ITEMS_PER_CARD] if count else []:
        left = (device.warranty_end - today).days
        items.append(Item(text=f"{device.serial} · {device.product_model}", url=config.url("detail", device),
                          meta=f"{device.customer or '—'} · {device.warranty_end.isoformat()}",
                          badge=_("%(days)s d") % {"days": left}, tone="danger" if left <= 7 else "warning"))
    return Card(count=count, items=items, tone="orange",
                more_url=reverse("assets_warranties_ending") + f"?days={days}",
                empty=_("No warranty ends within %(days)s days.") % {"days": days})


registry.workbench_card("warranties_ending", gettext_lazy("Warranties ending"), warranties_card, order=50,
                        perm="assets.view_device")
registry.quick_action(gettext_lazy("New device"), "assets_device_add", perm="assets.add_device", order=30)
