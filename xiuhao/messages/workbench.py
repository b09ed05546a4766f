"""我的消息 on the start page 工作台: the unread messages, many of one kind folded into one line
("12 × Warranty expiry") that opens the inbox filtered to that kind."""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.registry import registry
from xiuhao.core.workbench import ITEMS_PER_CARD, Card, Item
from xiuhao.tasks.models import Message

from . import inbox

FOLD_FROM = 3  # this many unread messages of one kind are shown as one line


def unread_card(user, phone=False):
    unread = Message.objects.filter(recipient=user, read_at__isnull=True)
    by_kind = dict(unread.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    count = sum(by_kind.values())
    inbox_url = reverse("tasks_m_inbox" if phone else "tasks_inbox")
    items = []
    for kind, n in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        if n >= FOLD_FROM:
            items.append(Item(text=f"{inbox.kind_label(kind)} × {n}",
                              url=f"{inbox_url}?{urlencode({'status': inbox.UNREAD, 'kind': kind})}",
                              meta=_("%(count)s unread messages of this kind") % {"count": n},
                              badge=str(n), tone="warning"))
    single = [k for k, n in by_kind.items() if n < FOLD_FROM]
    if single and len(items) < ITEMS_PER_CARD:
        detail = "tasks_m_message_detail" if phone else "tasks_message_detail"
        for message in unread.filter(kind__in=single).order_by("-created_at", "-pk")[:ITEMS_PER_CARD - len(items)]:
            when = timezone.localtime(message.created_at).strftime("%m-%d %H:%M")
            items.append(Item(text=message.subject, url=reverse(detail, args=[message.pk]),
                              meta=f"{inbox.kind_label(message.kind)} · {when}"))
    return Card(count=count, items=items, tone="red" if count else "", more_url=inbox_url,
                empty=_("No unread messages."))


registry.workbench_card("unread_messages", gettext_lazy("Unread messages"), unread_card, order=30, phone=True)
