"""Warranty-expiry alerts 到期预警: a daily job tells the owner of each device whose warranty ends
within one of settings.WARRANTY_ALERT_DAYS (e.g. 30 and 7 days), exactly once per (device,
threshold, warranty end).

Exactly once is settled by the database: WarrantyAlert's unique constraint. A run inserts the
alert row and notifies only when *its own* insert succeeded, so two runs at the same time (a
retried job, two workers) send one notice. After the job was down for days a device may be past
several thresholds: only the most urgent one is sent, the others are recorded as done. A new
warranty end (an extension) is a new key, so the thresholds are armed again; invalid devices get
no alerts."""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiuhao.core.jobs import periodic_job
from xiuhao.core.notify import notify
from xiuhao.core.registry import registry

from .models import Device, WarrantyAlert

log = logging.getLogger(__name__)


def thresholds():
    return sorted({int(d) for d in getattr(settings, "WARRANTY_ALERT_DAYS", [30, 7]) if int(d) >= 0})


def recipient_of(device):
    """The customer's account manager, else the head of the device's branch."""
    owner = device.customer.owner if device.customer_id and device.customer.owner_id else None
    if owner is not None and owner.is_active:
        return owner
    manager = device.branch.manager if device.branch_id and device.branch.manager_id else None
    return manager if manager is not None and manager.is_active else None


def _claim(device, days, recipient):
    """Insert the alert row; False when it exists already (sent by this or another run)."""
    try:
        with transaction.atomic():
            WarrantyAlert.objects.create(device=device, days_before=days, warranty_end=device.warranty_end,
                                         recipient=recipient)
        return True
    except IntegrityError:
        return False


def _notify(device, days_left, recipient):
    config = registry.for_model(Device)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Warranty of device %(serial)s ends in %(days)s days") % {"serial": device.serial,
                                                                              "days": days_left}
        body = _("The warranty of device %(serial)s (%(model)s) of %(customer)s ends on %(end)s.") % {
            "serial": device.serial, "model": device.product_model, "customer": device.customer or "—",
            "end": device.warranty_end.isoformat()}
    notify(recipients=[recipient], subject=subject, body=body, url=config.url("detail", device),
           kind="warranty_expiry")


DIGEST_FROM = 3  # this many devices for one recipient in one run make one digest notice


def _notify_digest(recipient, items, today):
    days = max(d for _device, d in items)
    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        subject = _("Warranties of %(count)s devices end within %(days)s days") % {"count": len(items), "days": days}
        lines = [_("%(serial)s (%(model)s) of %(customer)s ends on %(end)s") % {
            "serial": device.serial, "model": device.product_model, "customer": device.customer or "—",
            "end": device.warranty_end.isoformat()} for device, _d in sorted(items, key=lambda i: i[1])]
        body = "\n".join(lines)
    notify(recipients=[recipient], subject=subject, body=body,
           url=reverse("assets_warranties_ending") + f"?days={max(thresholds())}", kind="warranty_expiry")


def send_warranty_alerts(today=None) -> int:
    """One pass over the devices whose warranty ends within the largest threshold; returns the
    number of devices whose owner was told. A recipient with DIGEST_FROM or more devices in one
    run gets one digest notice listing them (and linking to the list of warranties ending)
    instead of one notice per device. The run's claims and notices commit together."""
    days = thresholds()
    if not days:
        return 0
    today = today or timezone.localdate()
    candidates = (Device.objects.filter(status=Device.Status.REGISTERED, warranty_end__gte=today,
                                        warranty_end__lte=today + datetime.timedelta(days=days[-1]))
                  .select_related("customer__owner", "branch__manager", "product_model").order_by("pk"))
    told = {}  # recipient pk -> (recipient, [(device, days left)])
    with transaction.atomic():
        for start in range(0, candidates.count(), 500):
            batch = list(candidates[start:start + 500])
            done = set(WarrantyAlert.objects.filter(device__in=batch).values_list("device_id", "days_before",
                                                                                  "warranty_end"))
            for device in batch:
                days_left = (device.warranty_end - today).days
                due = [d for d in days if days_left <= d and (device.pk, d, device.warranty_end) not in done]
                if not due:
                    continue
                recipient = recipient_of(device)
                urgent = min(due)
                if _claim(device, urgent, recipient) and recipient is not None:
                    told.setdefault(recipient.pk, (recipient, []))[1].append((device, days_left))
                for d in due:
                    if d != urgent:
                        _claim(device, d, recipient)  # passed while nobody looked: done, not sent
        for recipient, items in told.values():
            if len(items) >= DIGEST_FROM:
                _notify_digest(recipient, items, today)
            else:
                for device, days_left in items:
                    _notify(device, days_left, recipient)
    return sum(len(items) for _r, items in told.values())


@periodic_job("warranty-alerts", "Warranty-expiry alerts to the devices' owners", minute="30", hour="7")
def warranty_alerts_job():
    sent = send_warranty_alerts()
    log.info("warranty alerts: %s sent", sent)
