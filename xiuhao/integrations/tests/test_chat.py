"""WeCom, DingTalk and WeChat, replayed from recorded answers: tokens are fetched once and cached
until they expire, a refused token is replaced once, and every attempt is logged."""

import pytest
from django.core.cache import cache
from django.utils import translation

from xiuhao.core.notify import Notice
from xiuhao.integrations.models import ExternalAccount, NotificationDelivery
from xiuhao.integrations.notify import base, dingtalk, wechat, wecom
from xiuhao.org.tests.factories import UserFactory

from .factories import ExternalAccountFactory

pytestmark = pytest.mark.django_db
Status = NotificationDelivery.Status


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def warranty_notice(*users):
    return Notice([u.pk for u in users], "保修即将到期", "设备 SN-0001 的保修 30 天后到期，请联系客户续保。",
                  "/assets/device/1/", "warranty_expiry")


def account(channel, external_id):
    return ExternalAccountFactory(channel=channel, external_id=external_id).user


def test_a_wecom_text_card_is_sent_with_a_fresh_token_which_is_cached(configured, cassette):
    player = cassette("wecom_token", "wecom_send_card")
    user = account(ExternalAccount.Channel.WECOM, "zhanggong")
    wecom.adapter(warranty_notice(user))
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.address) == ("wecom", Status.SENT, "zhanggong")
    assert delivery.provider_message_id == "Ka2JDAUgd5kVXZ1bYz9xHAcMwJJf2tHj"
    assert cache.get(wecom.channel.token_cache_key()) == "wecom-token-A"
    assert [r.url.path for r in player.requests] == ["/cgi-bin/gettoken", "/cgi-bin/message/send"]


def test_the_cached_wecom_token_serves_the_next_notices(configured, cassette):
    player = cassette("wecom_token", "wecom_send_card", "wecom_send_text")
    user = account(ExternalAccount.Channel.WECOM, "zhanggong")
    wecom.adapter(warranty_notice(user))
    wecom.adapter(Notice([user.pk], "系统维护通知", "今晚 22:00 至 23:00 系统维护。"))
    assert [r.url.path for r in player.requests].count("/cgi-bin/gettoken") == 1
    assert NotificationDelivery.objects.filter(status=Status.SENT).count() == 2


def test_the_token_is_cached_until_shortly_before_it_expires(configured, cassette, monkeypatch):
    cassette("wecom_token", "wecom_send_card")
    timeouts = []

    class Spy:
        def __getattr__(self, name):
            return getattr(cache, name)

        def set(self, key, value, timeout=None):
            timeouts.append(timeout)
            cache.set(key, value, timeout)

    monkeypatch.setattr(base, "cache", Spy())
    wecom.adapter(warranty_notice(account(ExternalAccount.Channel.WECOM, "zhanggong")))
    assert timeouts == [7200 - 300]


def test_a_refused_wecom_token_is_replaced_and_the_send_retried_once(configured, cassette):
    cache.set(wecom.channel.token_cache_key(), "wecom-token-stale", 3600)
    cassette("wecom_token_invalid_then_ok")
    wecom.adapter(warranty_notice(account(ExternalAccount.Channel.WECOM, "zhanggong")))
    assert NotificationDelivery.objects.get().status == Status.SENT
    assert cache.get(wecom.channel.token_cache_key()) == "wecom-token-B"


def test_an_unknown_wecom_user_is_a_failed_delivery(configured, cassette):
    cache.set(wecom.channel.token_cache_key(), "wecom-token-A", 3600)
    cassette("wecom_user_invalid")
    wecom.adapter(warranty_notice(account(ExternalAccount.Channel.WECOM, "zhanggong")))
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert delivery.error.startswith("message/send: errcode 81013 user & party & tag all invalid")


def test_a_user_without_an_account_on_the_platform_is_skipped(configured, cassette):
    cassette()
    someone = UserFactory()
    ExternalAccountFactory(user=someone, channel=ExternalAccount.Channel.DINGTALK)  # another platform
    wecom.adapter(warranty_notice(someone))
    delivery = NotificationDelivery.objects.get()
    assert (delivery.status, delivery.error) == (Status.SKIPPED, "the user has no wecom account")


def test_a_dingtalk_work_notice_is_an_action_card_and_keeps_the_task_id(configured, cassette):
    cassette("dingtalk_send")
    dingtalk.adapter(warranty_notice(account(ExternalAccount.Channel.DINGTALK, "manager4521")))
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.provider_message_id) == ("dingtalk", Status.SENT,
                                                                                  "256271667526")


def test_a_wechat_template_message_fills_the_keywords_within_their_length(configured, cassette):
    cassette("wechat_send")
    wechat.adapter(warranty_notice(account(ExternalAccount.Channel.WECHAT, "oXyZ-openid-0001")))
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.provider_message_id) == ("wechat", Status.SENT, "200228332")


def test_a_refused_wechat_token_fails_each_recipient_and_raises_nothing(configured, cassette):
    cassette("wechat_bad_appid")
    users = [account(ExternalAccount.Channel.WECHAT, f"openid-{n}") for n in range(2)]
    wechat.adapter(warranty_notice(*users))
    assert list(NotificationDelivery.objects.values_list("status", flat=True)) == [Status.FAILED] * 2
    assert NotificationDelivery.objects.first().error.startswith("stable_token: errcode 40013 invalid appid")
    assert cache.get(wechat.channel.token_cache_key()) is None
