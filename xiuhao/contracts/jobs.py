"""Daily jobs of the contracts: expire contracts past their end; alert their account managers
before the end (each alert exactly once per contract, threshold and end date)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiuhao.core.jobs import periodic_job
from xiuhao.core.notify import notify

from . import services
from .models import Contract, ContractAlert


@periodic_job("contract-expiry", "Active contracts past their end date become expired", minute="5", hour="0")
def expire_contracts():
    return services.contracts_expire()


def alert_thresholds():
    return sorted({int(d) for d in getattr(settings, "CONTRACT_ALERT_DAYS", [60, 30, 7]) if int(d) >= 0})


def most_urgent(days_left, thresholds):
    """The smallest threshold the contract is within (None: not yet within any). After downtime a
    contract 5 days from its end gets the 7-day alert only, not the 60- and 30-day ones too."""
    for days in thresholds:
        if days_left <= days:
            return days
    return None


def send_contract_alerts(on=None):
    """Alert each active contract's account manager (else the branch head) when its end comes
    within a threshold. The unique (contract, threshold, end date) row is claimed first; only the
    run whose insert succeeded sends the notice, so a job run twice (or two workers) alert once;
    an extension gives the contract a new end date and arms the thresholds again."""
    on = on or timezone.localdate()
    thresholds = alert_thresholds()
    if not thresholds:
        return 0
    horizon = on + datetime.timedelta(days=thresholds[-1])
    due = (Contract.objects.filter(status=Contract.Status.ACTIVE, end_date__gte=on, end_date__lte=horizon)
           .select_related("owner", "branch__manager", "customer").order_by("pk"))
    told = {}  # recipient pk -> (recipient, [(contract, days left)])
    sent = 0
    with transaction.atomic():  # the run's claims and notices commit together
        for contract in due:
            days = most_urgent((contract.end_date - on).days, thresholds)
            recipient = contract.owner if contract.owner_id and contract.owner.is_active else contract.branch.manager \
                if contract.branch_id and contract.branch.manager_id else None
            try:
                with transaction.atomic():
                    ContractAlert.objects.create(contract=contract, days_before=days, end_date=contract.end_date,
                                                 recipient=recipient)
            except IntegrityError:
                continue  # sent before (by an earlier run or a twin running now)
            if recipient is not None:
                told.setdefault(recipient.pk, (recipient, []))[1].append((contract, (contract.end_date - on).days))
            sent += 1
        for recipient, items in told.values():
            if len(items) >= DIGEST_FROM:
                _notify_digest(recipient, items)
            else:
                for contract, days_left in items:
                    _notify(contract, recipient, days_left)
    return sent


DIGEST_FROM = 3  # this many contracts for one recipient in one run make one digest notice


def _notify_digest(recipient, items):
    from django.utils.http import urlencode

    from xiuhao.core.registry import registry

    config = registry.configs["contracts.contract"]
    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        subject = _("%(count)s contracts end within %(days)s days") % {
            "count": len(items), "days": max(d for _c, d in items)}
        body = "\n".join(_("%(code)s %(name)s of %(customer)s ends on %(end)s") % {
            "code": c.code, "name": c.name, "customer": c.customer or "—", "end": c.end_date.isoformat()}
            for c, _d in sorted(items, key=lambda i: i[1]))
        notify(recipients=[recipient], kind="contract_expiry", subject=subject, body=body,
               url=config.url("list") + "?" + urlencode({"status": Contract.Status.ACTIVE, "sort": "end_date"}))


def _notify(contract, recipient, days_left):
    from xiuhao.core.registry import registry

    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        notify(recipients=[recipient], kind="contract_expiry",
               subject=_("Contract %(code)s ends in %(days)s days") % {"code": contract.code, "days": days_left},
               body=_("The contract %(code)s %(name)s of %(customer)s ends on %(end)s. Renew or extend it in "
                      "time so that its devices stay covered.") % {
                   "code": contract.code, "name": contract.name, "customer": contract.customer or "—",
                   "end": contract.end_date.isoformat()},
               url=registry.configs["contracts.contract"].url("detail", contract))


@periodic_job("contract-expiry-alerts", "Alert account managers of contracts about to end", minute="30", hour="7")
def contract_alerts():
    return send_contract_alerts()
