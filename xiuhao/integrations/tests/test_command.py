"""`manage.py notify_test` sends one notice over one channel and says what happened."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from xiuhao.integrations.models import ExternalAccount, NotificationDelivery
from xiuhao.org.tests.factories import UserFactory

from .factories import ExternalAccountFactory

pytestmark = pytest.mark.django_db


def test_it_sends_a_test_notice_and_prints_the_message_id(configured, cassette, capsys):
    player = cassette("wecom_token", "wecom_send_text")
    user = ExternalAccountFactory(channel=ExternalAccount.Channel.WECOM, external_id="zhanggong",
                                  user=UserFactory(username="admin")).user
    with translation.override("zh-hans"):
        call_command("notify_test", "--channel", "wecom", "--user", "admin", "--subject", "系统维护通知",
                     "--body", "今晚 22:00 至 23:00 系统维护。", "--url", "")
    assert "wecom → zhanggong: sent (message id Ka2JDAUgd5kVXZ1bYz9xHAcMwJJf2tHj)" in capsys.readouterr().out
    assert NotificationDelivery.objects.get().user == user
    assert len(player.requests) == 2


def test_it_fails_loudly_when_the_channel_is_not_configured(settings, capsys):
    UserFactory(username="admin", phone="13800138000")
    with pytest.raises(CommandError, match="not sent"):
        call_command("notify_test", "--channel", "sms_aliyun", "--user", "admin")
    assert "skipped — not configured: SMS_ALIYUN_ACCESS_KEY_ID" in capsys.readouterr().out


def test_it_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("notify_test", "--channel", "wecom", "--user", "ghost")
