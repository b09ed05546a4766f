"""Contracts on the start page 工作台 (contracts in force ending within the alert window) and in the
list of warranties ending (the contract covering each device, else a link to offer one)."""

import datetime

from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiuhao.core.registry import registry
from xiuhao.core.workbench import ITEMS_PER_CARD, Card, Item

from .jobs import alert_thresholds
from .models import Contract, ContractDevice


def device_contracts(user, devices, on):
    """For each device: the contract in force covering it on `on` that the user may see (text, url),
    else — when the user may add contracts — the new-contract page for the device's customer."""
    config = registry.configs["contracts.contract"]
    visible = Contract.objects.restrict(user, "view")
    links = (ContractDevice.objects.filter(device__in=devices, contract__in=visible,
                                           contract__status=Contract.Status.ACTIVE,
                                           contract__start_date__lte=on, contract__end_date__gte=on)
             .select_related("contract").order_by("contract__end_date"))
    covered = {}
    for link in links:
        if (link.start_date or on) <= on <= (link.end_date or on):
            covered.setdefault(link.device_id, link.contract)
    may_add = user.has_perm("contracts.add_contract")
    answer = {}
    for device in devices:
        contract = covered.get(device.pk)
        offer = ""
        if contract is None and may_add and device.customer_id:
            offer = config.url("add") + "?" + urlencode({"customer": device.customer_id})
        answer[device.pk] = {"contract": (contract.code, config.url("detail", contract)) if contract else None,
                             "offer_url": offer}
    return answer


def contracts_ending_card(user, phone=False):
    today = timezone.localdate()
    days = max(alert_thresholds() or [60])
    config = registry.configs["contracts.contract"]
    rows = (Contract.objects.restrict(user, "view")
            .filter(status=Contract.Status.ACTIVE, end_date__gte=today,
                    end_date__lte=today + datetime.timedelta(days=days))
            .select_related("customer").order_by("end_date", "pk"))
    count = rows.count()
    items = []
    for contract in rows[:ITEMS_PER_CARD] if count else []:
        left = (contract.end_date - today).days
        items.append(Item(text=f"{contract.code} · {contract.name}", url=config.url("detail", contract),
                          meta=f"{contract.customer or '—'} · {contract.end_date.isoformat()}",
                          badge=_("%(days)s d") % {"days": left}, tone="danger" if left <= 7 else "warning"))
    more = config.url("list") + "?" + urlencode({"status": Contract.Status.ACTIVE, "sort": "end_date"})
    return Card(count=count, items=items, tone="orange", more_url=more,
                empty=_("No contract ends within %(days)s days.") % {"days": days})


registry.provide("device_contracts", device_contracts)
registry.workbench_card("contracts_ending", gettext_lazy("Contracts ending"), contracts_ending_card, order=60,
                        perm="contracts.view_contract")
registry.quick_action(gettext_lazy("New contract"), "contracts_contract_add", perm="contracts.add_contract", order=40)
