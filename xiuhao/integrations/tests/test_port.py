"""The adapters behind the notifier port: off by default, on by naming them in NOTIFIERS, never
raising, one recipient's trouble not stopping the others, a repeated notice sent once."""

import httpx
import pytest
from django.conf import settings as live_settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from xiuhao.core.notify import Notice, notify
from xiuhao.integrations.models import ExternalAccount, NotificationDelivery
from xiuhao.integrations.notify import base, dingtalk, sms_aliyun, sms_tencent, wechat, wecom
from xiuhao.org.tests.factories import UserFactory

from .factories import ExternalAccountFactory

Status = NotificationDelivery.Status
ADAPTERS = [f"xiuhao.integrations.notify.{name}.adapter"
            for name in ("sms_aliyun", "sms_tencent", "wecom", "dingtalk", "wechat")]
CHANNELS = [sms_aliyun.channel, sms_tencent.channel, wecom.channel, dingtalk.channel, wechat.channel]


def test_every_adapter_is_a_callable_named_by_a_dotted_path():
    for path in ADAPTERS:
        assert callable(import_string(path))


def test_the_outside_channels_are_off_by_default():
    assert not set(ADAPTERS) & set(live_settings.NOTIFIERS)
    for channel in CHANNELS:
        assert channel.missing_settings() == list(channel.required_settings)


@pytest.mark.django_db(transaction=True)
def test_a_notice_reaches_wecom_after_commit_when_the_adapter_is_in_notifiers(configured, cassette):
    configured.NOTIFIERS = ["xiuhao.integrations.notify.wecom.adapter"]
    cassette("wecom_token", "wecom_send_card")
    user = ExternalAccountFactory(channel=ExternalAccount.Channel.WECOM, external_id="zhanggong").user
    notify(recipients=[user], subject="保修即将到期", body="设备 SN-0001 的保修 30 天后到期，请联系客户续保。",
           url="/assets/device/1/", kind="warranty_expiry")
    assert NotificationDelivery.objects.get().status == Status.SENT


@pytest.mark.django_db
def test_the_same_notice_is_sent_once_when_the_job_runs_twice(configured, cassette):
    player = cassette("wecom_token", "wecom_send_card")
    user = ExternalAccountFactory(channel=ExternalAccount.Channel.WECOM, external_id="zhanggong").user
    notice = Notice([user.pk], "保修即将到期", "设备 SN-0001 的保修 30 天后到期，请联系客户续保。",
                    "/assets/device/1/", "warranty_expiry")
    wecom.adapter(notice)
    wecom.adapter(notice)
    assert NotificationDelivery.objects.count() == 1
    assert len(player.requests) == 2  # one token, one send


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_failed_delivery_not_an_exception(configured):
    user = UserFactory(phone="13800138000")
    sms_aliyun.adapter(Notice([user.pk], "x", "y"))  # the tests' transport refuses every connection
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert delivery.error.startswith("ConnectError: tests may not reach https://dysmsapi.aliyuncs.com/")


@pytest.mark.django_db
def test_a_crash_for_one_recipient_does_not_stop_the_others(configured, monkeypatch):
    calls = []

    def send(client, address, notice, user):
        calls.append(address)
        if len(calls) == 1:
            raise KeyError("surprise")
        return "msg-2"

    monkeypatch.setattr(sms_tencent.channel, "send", send)
    users = [UserFactory(phone="13800138000"), UserFactory(phone="13900139000")]
    sms_tencent.adapter(Notice([u.pk for u in users], "x", "y"))
    assert list(NotificationDelivery.objects.order_by("user_id").values_list("status", "provider_message_id")) == [
        (Status.FAILED, ""), (Status.SENT, "msg-2")]


@pytest.mark.django_db
def test_a_garbage_answer_is_a_failed_delivery(configured, settings):
    settings.INTEGRATIONS_HTTP_TRANSPORT = lambda: httpx.MockTransport(lambda r: httpx.Response(502, text="<html>"))
    cache.set(dingtalk.channel.token_cache_key(), "ding-token-1", 60)
    user = ExternalAccountFactory(channel=ExternalAccount.Channel.DINGTALK).user
    dingtalk.adapter(Notice([user.pk], "x", "y"))
    assert NotificationDelivery.objects.get().error == "HTTP 502: <html>"


@pytest.mark.django_db
def test_even_a_broken_delivery_log_does_not_raise(configured, monkeypatch):
    monkeypatch.setattr(base, "_deliver", lambda channel, notice: 1 / 0)
    assert base.deliver(wecom.channel, Notice([1], "x", "y")) == []


@pytest.mark.django_db
def test_inactive_users_get_nothing(configured, cassette):
    cassette()
    user = UserFactory(phone="13800138000", is_active=False)
    sms_aliyun.adapter(Notice([user.pk], "x", "y"))
    assert not NotificationDelivery.objects.exists()


def test_phone_numbers_are_normalised_to_e164_and_masked():
    assert base.normalise_phone("138 0013 8000") == "+8613800138000"
    assert base.normalise_phone("+852 6123 4567") == "+85261234567"
    assert base.normalise_phone("0755-8888") == ""
    assert base.mask_phone("+8613800138000") == "+86138****8000"
    assert sms_aliyun.aliyun_number("+8613800138000") == "13800138000"
    assert sms_aliyun.aliyun_number("+85261234567") == "85261234567"


def test_texts_are_cut_by_bytes_on_a_character_boundary():
    assert base.truncate_bytes("保修" * 10, 12) == "保修保…"
    assert base.truncate_bytes("short", 12) == "short"
