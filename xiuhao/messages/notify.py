"""The in-app notifier adapter: every notice becomes one Message per active recipient, shown in
我的消息 and counted by the unread badge in the top bar (settings.NOTIFIERS names it next to the
e-mail adapter)."""

from django.contrib.auth import get_user_model

from xiuhao.tasks.models import Message

SUBJECT_MAX = Message._meta.get_field("subject").max_length
URL_MAX = Message._meta.get_field("url").max_length


def inapp_adapter(notice):
    """Write the notice into the inboxes of its active recipients, in one INSERT."""
    recipients = (get_user_model().objects.filter(pk__in=notice.recipient_ids, is_active=True)
                  .values_list("pk", flat=True))
    subject = notice.subject[:SUBJECT_MAX]
    # A link that does not fit is dropped rather than cut into a broken one.
    url = notice.url if len(notice.url) <= URL_MAX else ""
    Message.objects.bulk_create([
        Message(recipient_id=pk, kind=notice.kind[:60], subject=subject, body=notice.body, url=url)
        for pk in recipients
    ])
