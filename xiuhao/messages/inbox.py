"""我的消息: reads and writes of a user's own inbox.

A message belongs to its recipient alone: every function here takes the user and touches only
that user's rows — whatever their roles or data scope, an administrator included. Marking read
is a conditional UPDATE (`read_at IS NULL`), so two tabs opening the same message keep the first
time it was read. Reading is not audited: it changes nothing but the reader's own inbox."""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiuhao.core.errors import NotFound
from xiuhao.core.registry import registry
from xiuhao.tasks.models import Message

UNREAD, READ = "unread", "read"


def kind_label(code):
    """The label of a message kind in the inbox filter: each app contributes its kinds with
    `registry.message_kind(code, label)`."""
    return registry.message_kinds.get(code, code or _("Notice"))


def message_list(*, user, status="", kind=""):
    """The user's messages, unread first, newest first within each."""
    rows = Message.objects.filter(recipient=user)
    if status == UNREAD:
        rows = rows.filter(read_at__isnull=True)
    elif status == READ:
        rows = rows.filter(read_at__isnull=False)
    if kind:
        rows = rows.filter(kind=kind)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return rows.annotate(is_unread=unread).order_by("-is_unread", "-created_at", "-pk")


def message_kinds(*, user):
    """(code, label) of the kinds present in the user's inbox, for the filter."""
    codes = (Message.objects.filter(recipient=user).order_by("kind").values_list("kind", flat=True).distinct())
    return [(code, kind_label(code)) for code in codes]


def unread_count(user):
    """One COUNT on the (recipient, read_at, created_at) index — the top bar asks every 30 s."""
    if user is None or not user.is_authenticated:
        return 0
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def message_get(*, user, pk):
    message = Message.objects.filter(recipient=user, pk=pk).select_related("announcement").first()
    if message is None:
        raise NotFound()
    return message


def message_mark_read(*, user, message):
    """Mark one of the user's messages read; True if this call did it (False: it already was)."""
    now = timezone.now()
    done = Message.objects.filter(pk=message.pk, recipient=user, read_at__isnull=True).update(read_at=now)
    if done:
        message.read_at = now
    elif message.recipient_id != user.pk:
        raise NotFound()
    return bool(done)


def message_mark_unread(*, user, message):
    if message.recipient_id != user.pk:
        raise NotFound()
    Message.objects.filter(pk=message.pk, recipient=user).update(read_at=None)
    message.read_at = None


def messages_mark_all_read(*, user, kind=""):
    """Mark every unread message of the user read (of one kind, if given); returns how many."""
    rows = Message.objects.filter(recipient=user, read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.update(read_at=timezone.now())


def safe_link(url):
    """The message's link if it points into the app (or to an http(s) address), else ''."""
    if url.startswith("/") and not url.startswith("//"):
        return url
    if url.startswith(("https://", "http://")):
        return url
    return ""
