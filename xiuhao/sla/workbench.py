"""SLA on the start page 工作台: running clocks within the user's scope that are late or will be
within `SLA_WORKBENCH_HOURS` (default 4), the most urgent first."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.registry import registry
from xiuhao.core.workbench import ITEMS_PER_CARD, Card, Item

from .models import SlaClock


def _left(delta):
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _("%(h)sh %(m)smin left") % {"h": hours, "m": minutes} if hours else _("%(m)smin left") % {"m": minutes}


def sla_card(user, phone=False):
    config = registry.for_model(SlaClock)
    now = timezone.now()
    horizon = now + datetime.timedelta(hours=getattr(settings, "SLA_WORKBENCH_HOURS", 4))
    rows = (SlaClock.objects.visible_to(user).filter(status=SlaClock.Status.RUNNING, due_at__lt=horizon)
            .select_related("owner").order_by("due_at", "pk"))
    count = rows.count()
    late = rows.filter(due_at__lt=now).count() if count else 0
    items = []
    for clock in rows[:ITEMS_PER_CARD] if count else []:
        overdue = clock.due_at < now
        meta = " · ".join(str(p) for p in (clock.get_kind_display(), clock.owner or "") if p)
        items.append(Item(text=clock.target_label or str(clock), url=config.url("detail", clock), meta=meta,
                          badge=_("Overdue") if overdue else _left(clock.due_at - now),
                          tone="danger" if overdue else "warning"))
    more = config.url("list") + "?" + urlencode({"status": SlaClock.Status.RUNNING, "sort": "due_at"})
    return Card(count=count, items=items, tone="danger" if late else "orange", more_url=more,
                empty=_("No SLA clock is late or close to its target."))


registry.workbench_card("sla_due", gettext_lazy("SLA late or due soon"), sla_card, order=40, perm="sla.view_slaclock")
