"""The notifier port: `notify()` hands a notice for some users to every adapter named in
settings.NOTIFIERS (dotted paths, like EMAIL_BACKEND), after the current transaction commits.

The e-mail adapter (here) and the in-app inbox (xiuhao.messages.notify) work out of the box; the
SMS/WeCom/DingTalk/WeChat adapters are in xiuhao.integrations.notify (docs/notifications.md). An adapter is a callable `adapter(notice)`; it must not raise for one
recipient's bad address (log and go on)."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from .jobs import enqueue_on_commit, job

log = logging.getLogger(__name__)


@dataclass
class Notice:
    recipient_ids: list[int]
    subject: str
    body: str
    url: str = ""  # a path in the app, made absolute with settings.SITE_URL
    kind: str = ""  # e.g. "warranty_expiry"; adapters may route by it
    extra: dict = field(default_factory=dict)


def notify(*, recipients, subject, body, url="", kind="", **extra):
    """Send `subject`/`body` to `recipients` (users) once the transaction commits."""
    ids = sorted({u.pk for u in recipients if u is not None})
    if ids:
        enqueue_on_commit(deliver, Notice(ids, str(subject), str(body), url, kind, extra).__dict__)


@job()
def deliver(notice: dict):
    notice = Notice(**notice)
    for path in getattr(settings, "NOTIFIERS", ["xiuhao.core.notify.email_adapter"]):
        try:
            import_string(path)(notice)
        except Exception:  # one broken channel must not stop the others
            log.exception("notifier %s failed for %s", path, notice.kind or notice.subject)


def email_adapter(notice: Notice):
    from django.contrib.auth import get_user_model

    addresses = list(get_user_model().objects.filter(pk__in=notice.recipient_ids, is_active=True)
                     .exclude(email="").values_list("email", flat=True))
    if not addresses:
        return
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{notice.url}" if notice.url else ""
    for address in addresses:
        send_mail(notice.subject, notice.body + link, None, [address], fail_silently=True)
