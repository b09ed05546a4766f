"""Notices go out after commit, to the recipients' e-mail, and never for a rolled-back write."""

import pytest
from django.core import mail
from django.db import transaction

from xiuhao.core.notify import notify
from xiuhao.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_notice_reaches_the_recipients_mailbox_with_the_link_after_commit(settings):
    settings.SITE_URL = "https://svc.example.com"
    user = UserFactory(email="li@example.com")
    with transaction.atomic():
        notify(recipients=[user, None], subject="保修即将到期", body="设备 SN1 保修 30 天后到期", url="/assets/device/1/")
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li@example.com"]
    assert "https://svc.example.com/assets/device/1/" in mail.outbox[0].body


def test_no_notice_is_sent_when_the_write_rolls_back():
    user = UserFactory(email="li@example.com")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[user], subject="x", body="y")
        raise RuntimeError
    assert mail.outbox == []


def test_a_user_without_an_email_gets_nothing_and_nothing_fails():
    user = UserFactory(email="")
    notify(recipients=[user], subject="x", body="y")
    assert mail.outbox == []
