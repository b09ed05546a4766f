"""Send a test notice over one outside channel to one user and print what the log recorded:

    manage.py notify_test --channel wecom --user admin

The channel is used whether or not it is in NOTIFIERS (its settings must be set)."""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from xiuhao.core.notify import Notice

CHANNELS = {
    "sms_aliyun": "xiuhao.integrations.notify.sms_aliyun.channel",
    "sms_tencent": "xiuhao.integrations.notify.sms_tencent.channel",
    "wecom": "xiuhao.integrations.notify.wecom.channel",
    "dingtalk": "xiuhao.integrations.notify.dingtalk.channel",
    "wechat": "xiuhao.integrations.notify.wechat.channel",
}


class Command(BaseCommand):
    help = "Send a test notice over one notification channel to one user."

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, choices=sorted(CHANNELS))
        parser.add_argument("--user", required=True, help="username of the recipient")
        parser.add_argument("--subject", default="")
        parser.add_argument("--body", default="")
        parser.add_argument("--url", default="/", help="a path in the app (made absolute with SITE_URL)")

    def handle(self, *args, channel, user, subject, body, url, **options):
        from xiuhao.integrations.notify.base import deliver

        recipient = get_user_model().objects.filter(username=user).first()
        if recipient is None:
            raise CommandError(f"no user named {user!r}")
        subject = subject or _("Xiuhao test notice")
        body = body or _("This is a test notice: the channel is set up correctly.")
        # A fresh id each run: the de-duplication of repeated notices must not swallow a re-test.
        notice = Notice([recipient.pk], subject, body, url, "notify_test", {"test_id": uuid.uuid4().hex})
        rows = deliver(import_string(CHANNELS[channel]), notice)
        if not rows:
            raise CommandError("nothing was attempted (is the user active?)")
        for row in rows:
            line = f"{row.channel} → {row.address or '-'}: {row.status}"
            if row.provider_message_id:
                line += f" (message id {row.provider_message_id})"
            if row.error:
                line += f" — {row.error}"
            self.stdout.write(self.style.SUCCESS(line) if row.status == "sent" else self.style.WARNING(line))
        if any(row.status != "sent" for row in rows):
            raise CommandError("the test notice was not sent")
