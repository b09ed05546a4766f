"""Warranty-expiry alerts: exactly once per (device, threshold, warranty end), the most urgent
one only after a pause, none for invalid devices, again after an extension."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection

from xiuhao.assets import jobs
from xiuhao.assets.models import Device, WarrantyAlert
from xiuhao.org.tests.factories import BranchFactory, UserFactory

from .factories import device_in

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.WARRANTY_ALERT_DAYS = [30, 7]


def ending_in(days, **kwargs):
    owner = kwargs.pop("owner", None) or UserFactory(email="am@example.com")
    from xiuhao.customers.tests.factories import CustomerFactory

    branch = kwargs.pop("branch", None) or BranchFactory()
    customer = CustomerFactory(branch=branch, owner=owner)
    return device_in(branch, customer=customer, warranty_end=TODAY + datetime.timedelta(days=days), **kwargs)


def run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return jobs.send_warranty_alerts(TODAY)


def test_the_account_manager_is_told_once_30_days_ahead(db, django_capture_on_commit_callbacks):
    device = ending_in(20)
    assert run(django_capture_on_commit_callbacks) == 1
    assert run(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["am@example.com"]
    assert device.serial in mail.outbox[0].subject
    assert list(WarrantyAlert.objects.values_list("days_before", flat=True)) == [30]


def test_after_a_pause_only_the_most_urgent_alert_is_sent_and_the_others_are_recorded(
        db, django_capture_on_commit_callbacks):
    ending_in(5)
    assert run(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    assert sorted(WarrantyAlert.objects.values_list("days_before", flat=True)) == [7, 30]
    assert run(django_capture_on_commit_callbacks) == 0


def test_each_threshold_is_sent_when_it_is_reached(db, django_capture_on_commit_callbacks):
    device = ending_in(20)
    run(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_warranty_alerts(TODAY + datetime.timedelta(days=14)) == 1  # 6 days left
    assert sorted(WarrantyAlert.objects.filter(device=device).values_list("days_before", flat=True)) == [7, 30]
    assert len(mail.outbox) == 2


def test_invalid_devices_and_far_away_warranty_ends_get_no_alert(db, django_capture_on_commit_callbacks):
    ending_in(10, status=Device.Status.INVALID)
    ending_in(45)
    ending_in(-1)
    assert run(django_capture_on_commit_callbacks) == 0
    assert not WarrantyAlert.objects.exists() and not mail.outbox


def test_an_extended_warranty_arms_the_thresholds_again(db, django_capture_on_commit_callbacks):
    device = ending_in(10)
    run(django_capture_on_commit_callbacks)
    Device.objects.filter(pk=device.pk).update(warranty_end=TODAY + datetime.timedelta(days=25))
    assert run(django_capture_on_commit_callbacks) == 1
    assert list(WarrantyAlert.objects.filter(device=device).order_by("warranty_end")
                .values_list("days_before", "warranty_end")) == [(30, TODAY + datetime.timedelta(days=10)),
                                                                  (30, TODAY + datetime.timedelta(days=25))]


def test_without_an_account_manager_the_branch_head_is_told(db, django_capture_on_commit_callbacks):
    head = UserFactory(email="head@example.com")
    branch = BranchFactory(manager=head)
    device = ending_in(10, branch=branch, owner=UserFactory(is_active=False))
    run(django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == ["head@example.com"]
    assert WarrantyAlert.objects.get(device=device, days_before=30).recipient == head


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_alert_once():
    """Two workers run the job at once: the unique constraint lets one insert win per alert,
    and only the winner notifies. (On PostgreSQL both reach the insert together; SQLite's
    IMMEDIATE transactions queue the second run behind the first.)"""
    for days in (3, 12, 25):
        ending_in(days)
    sent, barrier = [], threading.Barrier(2)

    def worker():
        try:
            barrier.wait(timeout=5)
            sent.append(jobs.send_warranty_alerts(TODAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 2 and sum(sent) == 3
    assert WarrantyAlert.objects.count() == 4  # the 3-day device also records its 30-day alert
