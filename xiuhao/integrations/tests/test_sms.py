"""SMS through Aliyun and Tencent Cloud, replayed from recorded answers: what is sent, how it is
signed, and what the delivery log keeps."""

import logging

import pytest

from xiuhao.core.notify import Notice
from xiuhao.integrations.models import NotificationDelivery
from xiuhao.integrations.notify import sms_aliyun, sms_tencent
from xiuhao.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Status = NotificationDelivery.Status


def warranty_notice(*users):
    return Notice([u.pk for u in users], "保修即将到期", "设备 SN-0001 的保修 30 天后到期，请联系客户续保。",
                  "/assets/device/1/", "warranty_expiry")


@pytest.fixture
def zhang(db):
    return UserFactory(display_name="张工", phone="138 0013 8000")


@pytest.fixture
def li(db):
    return UserFactory(display_name="李工", phone="+86 139-0013-9000")


def test_an_aliyun_sms_goes_to_the_users_phone_signed_and_is_logged_as_sent(configured, cassette, zhang):
    player = cassette("aliyun_send_ok")
    sms_aliyun.adapter(warranty_notice(zhang))
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.user) == ("sms_aliyun", Status.SENT, zhang)
    assert delivery.provider_message_id == "900619746936498440^0"
    assert delivery.address == "+86138****8000"  # the log does not show whole numbers
    assert delivery.kind == "warranty_expiry" and delivery.sent_at is not None
    assert len(player.requests) == 1


def test_aliyun_flow_control_fails_that_recipient_only(configured, cassette, zhang, li):
    cassette("aliyun_flow_control_then_ok")
    sms_aliyun.adapter(warranty_notice(zhang, li))
    failed, sent = NotificationDelivery.objects.order_by("user_id")
    assert failed.user == zhang and failed.status == Status.FAILED
    assert failed.error == "isv.BUSINESS_LIMIT_CONTROL: 触发小时级流控Permits:5"
    assert failed.sent_at is None and failed.provider_message_id == ""
    assert sent.user == li and sent.status == Status.SENT


def test_a_tencent_sms_is_signed_with_tc3_and_logged_with_its_serial_number(configured, cassette, zhang):
    cassette("tencent_send_ok")
    sms_tencent.adapter(warranty_notice(zhang))
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.status) == ("sms_tencent", Status.SENT)
    assert delivery.provider_message_id == "5000:1045710669157053657849499619"


def test_tencent_errors_of_the_request_and_of_the_number_are_both_logged(configured, cassette, zhang, li):
    cassette("tencent_errors")
    sms_tencent.adapter(warranty_notice(zhang, li))
    first, second = NotificationDelivery.objects.order_by("user_id")
    assert first.status == second.status == Status.FAILED
    assert first.error.startswith("AuthFailure.SignatureFailure: ")
    assert second.error.startswith("LimitExceeded.PhoneNumberDailyLimit: ")


def test_template_variables_come_from_the_settings_mapping_and_are_cut_to_length(configured, zhang):
    configured.SMS_ALIYUN_TEMPLATE_PARAMS = {"title": "subject", "detail": "body", "link": "url", "sn": "extra.sn"}
    configured.SMS_PARAM_MAX_LENGTH = 10
    notice = warranty_notice(zhang)
    notice.extra = {"sn": "SN-0001"}
    assert sms_aliyun.channel.template_param(notice) == {
        "title": "保修即将到期", "detail": "设备 SN-000…", "link": "https://s…", "sn": "SN-0001"}
    configured.SMS_TENCENT_TEMPLATE_PARAMS = ["extra.sn", "subject"]
    assert sms_tencent.channel.template_params(notice) == ["SN-0001", "保修即将到期"]
    notice.extra = {"sms_params": ["A1", "B2"]}
    assert sms_tencent.channel.template_params(notice) == ["A1", "B2"]


def test_a_user_without_a_valid_mobile_number_is_skipped(configured, cassette):
    cassette()  # nothing may be sent
    nobody = UserFactory(phone="")
    wrong = UserFactory(phone="12345")
    sms_aliyun.adapter(warranty_notice(nobody, wrong))
    assert list(NotificationDelivery.objects.values_list("status", "error")) == [
        (Status.SKIPPED, "the user has no valid mobile number")] * 2


def test_an_unconfigured_channel_logs_skipped_and_warns_once(settings, cassette, caplog, zhang, li):
    cassette()
    settings.SMS_TENCENT_SECRET_KEY = ""
    with caplog.at_level(logging.WARNING, logger="xiuhao.integrations.notify"):
        sms_tencent.adapter(warranty_notice(zhang))
        sms_tencent.adapter(warranty_notice(li))
    assert NotificationDelivery.objects.filter(status=Status.SKIPPED).count() == 2
    assert "not configured" in NotificationDelivery.objects.first().error
    warnings = [r for r in caplog.records if "not configured" in r.getMessage()]
    assert len(warnings) == 1 and "SMS_TENCENT_SECRET_KEY" in warnings[0].getMessage()
