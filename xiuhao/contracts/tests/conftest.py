import datetime

import pytest
from django.utils import timezone

from xiuhao.org.tests.factories import user_with

CLERK_PERMS = [f"contracts.{a}_{m}" for m in ("contract", "contractdevice", "paymentplan", "counterreading",
                                                "contractchange", "contractalert")
               for a in ("view", "add", "change", "delete")] + ["assets.view_device", "customers.view_customer",
                                                                   "contracts.view_amount_contract"]


def days(n):
    """A date `n` days from today (the services read today from the clock)."""
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def clerk(branch):
    """A contract clerk of `branch` who may do everything with contracts there."""
    return user_with(*CLERK_PERMS, data_scope="branch", branch=branch)
