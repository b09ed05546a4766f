"""Writes of service contracts: the contract itself, its status moves (activate, renew, extend
延期, terminate, expire), covered devices, the payment plan 收款计划 and rental counter readings.

Status moves are conditional updates (`UPDATE … WHERE status = <the status read>`), so of two
clerks moving the same contract at once exactly one wins and the other gets a Conflict; every
move is kept as a ContractChange (who, from, to, why) next to its audit event.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xiuhao.core import audit
from xiuhao.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from xiuhao.core.moves import REASON_REQUIRED, require_reason, transition
from xiuhao.core.services import object_create, object_delete, object_update, require_perm, require_visible

from .models import Contract, ContractChange, ContractDevice, CounterReading, PaymentPlan

CENT = Decimal("0.01")
# Terms of a contract that only a move may change once it has left the draft status.
LOCKED_AFTER_DRAFT = ("kind", "customer", "start_date", "end_date")


def today():
    return timezone.localdate()


def _invalid(field, message):
    return ValidationFailed(fields={field: [message]})


def _typed(obj, *names):
    """Convert raw input (a JSON string, say) to the fields' Python types before the rules below
    compare them; full_clean reports what cannot be converted."""
    for name in names:
        f = obj._meta.get_field(name)
        try:
            setattr(obj, f.attname, f.to_python(getattr(obj, f.attname)))
        except DjangoValidationError as exc:
            raise ValidationFailed(fields={name: list(exc.messages)}) from exc


# -- the contract ------------------------------------------------------------------------------------
def _check_terms(contract):
    """The rules across fields live in Contract.clean(): full_clean reports them all at once,
    together with the fields' own errors and the constraint (one round for the clerk)."""
    try:
        contract.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def contract_create(*, actor, data):
    data = {k: v for k, v in data.items() if k not in ("status", "renewed_from", "terminated_reason")}
    customer = data.get("customer")
    if not data.get("branch") and customer is not None and customer.branch_id:
        # A contract belongs to its customer's branch unless the clerk chose another.
        data["branch"] = customer.branch
    return object_create(actor=actor, model=Contract, data=data, before_save=_check_terms)


def contract_update(*, actor, obj, data):
    data = {k: v for k, v in data.items() if k not in ("status", "renewed_from", "terminated_reason")}
    stored = Contract.objects.filter(pk=obj.pk).values("status", *[f"{f}_id" if f == "customer" else f
                                                                  for f in LOCKED_AFTER_DRAFT]).first()
    if stored is None:
        raise NotFound()
    if stored["status"] != Contract.Status.DRAFT:
        for name in LOCKED_AFTER_DRAFT:
            if name in data:
                new = data[name].pk if name == "customer" and data[name] is not None else data[name]
                old = stored["customer_id" if name == "customer" else name]
                if new != old:
                    raise _invalid(name, _("Only a draft contract may change this; use Extend or Renew."))
    return object_update(actor=actor, obj=obj, data=data, before_save=_check_terms)


def contract_delete(*, actor, obj):
    if Contract.objects.filter(pk=obj.pk).exclude(status=Contract.Status.DRAFT).exists():
        raise R.NOT_DRAFT()
    return object_delete(actor=actor, obj=obj)


# -- status moves (declared in Contract.moves) --------------------------------------------------------------
R = Contract.Refusals


@Contract.moves.record_history
def _record_change(contract, *, verb, actor, before, after, reason):
    ContractChange.objects.create(contract=contract, kind=verb, old_end=before["end_date"],
                                  new_end=contract.end_date, reason=reason[:255],
                                  actor=actor if getattr(actor, "is_authenticated", False) else None)


def _move(contract, *, to, verb, actor, reason="", new_end=None, **values):
    """Move `contract` (as read in this transaction) to status `to`, only while the row still has
    the status and end date we read: the race between two clerks is settled by the database."""
    return transition(contract, to=to, actor=actor, verb=verb, reason=reason, match={"end_date": contract.end_date},
                      values={"end_date": new_end or contract.end_date, **values})


@Contract.moves.guard("activate")
def _may_activate(actor, contract, on=None):
    if contract.end_date < (on or today()):  # an expired one comes back by extension only
        raise R.PERIOD_ENDED(end=contract.end_date.isoformat())


@Contract.moves.implements("activate")
def contract_activate(*, actor, contract, on=None):
    """Activate a draft. `on`: the day it took effect, for a signed contract entered late (the
    daily expiry then moves it on if its end has passed too)."""
    with transaction.atomic():
        contract = Contract.moves.fresh(actor, contract, "activate", guard=False)
        _may_activate(actor, contract, on=on)
        _move(contract, to=Contract.Status.ACTIVE, verb=ContractChange.Kind.ACTIVATE, actor=actor)
    return contract


@Contract.moves.implements("terminate")
def contract_terminate(*, actor, contract, reason):
    reason = require_reason(reason, REASON_REQUIRED)
    with transaction.atomic():
        contract = Contract.moves.fresh(actor, contract, "terminate")
        _move(contract, to=Contract.Status.TERMINATED, verb=ContractChange.Kind.TERMINATE, actor=actor,
              reason=reason, terminated_reason=reason[:255])
    return contract


@Contract.moves.implements("extend")
def contract_extend(*, actor, contract, new_end, reason):
    """Extend 延期 an active or expired contract to `new_end` (later than the present end). An
    expired contract whose new end is today or later is active again."""
    reason = require_reason(reason, REASON_REQUIRED)
    if new_end is None:
        raise R.NEW_END_MISSING()
    with transaction.atomic():
        contract = Contract.moves.fresh(actor, contract, "extend")
        if new_end <= contract.end_date:
            raise R.NEW_END_TOO_EARLY(end=contract.end_date.isoformat())
        if contract.status == Contract.Status.EXPIRED and new_end < today():
            raise R.NEW_END_PASSED()
        _move(contract, to=Contract.Status.ACTIVE, verb=ContractChange.Kind.EXTEND, actor=actor, reason=reason,
              new_end=new_end)
    return contract


def next_period(contract):
    """The default period of a renewal: from the day after the end, as long as the contract ran."""
    start = contract.end_date + datetime.timedelta(days=1)
    return start, start + (contract.end_date - contract.start_date)


def renewal_code(contract):
    base = contract.code.rsplit("-R", 1)[0] if contract.renewed_from_id else contract.code
    n = 2
    while Contract.objects.filter(code=f"{base}-R{n}").exists():
        n += 1
    return f"{base}-R{n}"


@Contract.moves.initial("renew")
def _renewal_defaults(contract):
    start, end = next_period(contract)
    return {"code": renewal_code(contract), "start_date": start, "end_date": end, "amount": contract.amount}


@Contract.moves.guard("renew")
def _may_renew(actor, contract):
    successor = Contract.objects.filter(renewed_from=contract).first()
    if successor is not None:
        raise R.ALREADY_RENEWED(code=successor.code)


@Contract.moves.implements("renew")
def contract_renew(*, actor, contract, code=None, start_date=None, end_date=None, amount=None, reason=""):
    """Renew an active or expired contract: a new ACTIVE contract for the next period with the same
    customer, terms, service level and devices, `renewed_from` the old one. A contract is renewed
    once (the one-to-one `renewed_from` settles two clerks renewing at the same moment)."""
    with transaction.atomic():
        old = Contract.moves.fresh(actor, contract, "renew")
        default_start, default_end = next_period(old)
        start_date, end_date = start_date or default_start, end_date or default_end
        if start_date <= old.start_date:
            raise R.RENEWAL_TOO_EARLY()
        copied = ("name", "kind", "customer", "provider", "owner", "branch", "department", "response_hours",
                  "onsite_hours", "repair_hours", "visits_included", "parts_pct", "labour_pct", "travel_pct",
                  "deposit", "monthly_fee", "monthly_quota", "excess_price", "remark")
        data = {name: getattr(old, name) for name in copied}
        data.update(code=code or renewal_code(old), start_date=start_date, end_date=end_date,
                    amount=old.amount if amount is None else amount, signed_on=today())

        def before_save(new):
            new.status = Contract.Status.ACTIVE
            new.renewed_from = old
            _check_terms(new)

        try:
            with transaction.atomic():
                new = object_create(actor=actor, model=Contract, data=data, before_save=before_save,
                                    verb="renewal")
        except ValidationFailed as exc:
            if Contract.objects.filter(renewed_from=old).exists():
                raise R.RENEWED_MEANWHILE() from exc
            raise
        links = [ContractDevice(contract=new, device_id=link.device_id)
                 for link in old.covered.filter(device__status="registered")]
        ContractDevice.objects.bulk_create(links)
        ContractChange.objects.create(contract=old, kind=ContractChange.Kind.RENEW, old_end=old.end_date,
                                      new_end=new.end_date, reason=(reason or new.code)[:255], actor=actor)
        ContractChange.objects.create(contract=new, kind=ContractChange.Kind.ACTIVATE, old_end=None,
                                      new_end=new.end_date, reason=_("Renewal of %(code)s") % {"code": old.code},
                                      actor=actor)
        audit.record(actor=actor, action="action", obj=old, verb="renew",
                     message=_("Renewed as %(code)s (%(start)s – %(end)s)") % {
                         "code": new.code, "start": new.start_date.isoformat(), "end": new.end_date.isoformat()})
    return new


def contracts_expire(*, on=None):
    """Active contracts whose end date has passed become EXPIRED (the daily job). Each row moves
    by its own conditional update, so a clerk's extension at the same moment is never undone."""
    on = on or today()
    moved = 0
    for pk in Contract.objects.filter(status=Contract.Status.ACTIVE, end_date__lt=on).values_list("pk", flat=True):
        with transaction.atomic():
            contract = Contract.objects.filter(pk=pk, status=Contract.Status.ACTIVE, end_date__lt=on).first()
            if contract is None:
                continue
            try:
                _move(contract, to=Contract.Status.EXPIRED, verb=ContractChange.Kind.EXPIRE, actor=None,
                      reason=_("The end date has passed."))
            except Conflict:
                continue
            moved += 1
    return moved


# -- covered devices -------------------------------------------------------------------------------------
def _check_covers(contract):
    if contract.status == Contract.Status.TERMINATED:
        raise R.TERMINATED()


def may_cover(actor, contract) -> bool:
    """May `actor` add devices to `contract` now (the devices tab offers them by this)?"""
    if not actor.has_perm("contracts.add_contractdevice"):
        return False
    try:
        _check_covers(contract)
    except ServiceError:
        return False
    return True


def check_link(link):
    _typed(link, "start_date", "end_date")
    contract, device = link.contract, link.device
    _check_covers(contract)
    if device.customer_id != contract.customer_id:
        raise _invalid("device", _("The device %(serial)s does not belong to the contract's customer.")
                       % {"serial": device.serial})
    if device.status != device.Status.REGISTERED:
        raise _invalid("device", _("The device %(serial)s is invalid and cannot be covered.") % {"serial": device.serial})
    start = link.start_date or contract.start_date
    end = link.end_date or contract.end_date
    if start < contract.start_date or end > contract.end_date or end < start:
        raise _invalid("end_date" if link.end_date else "start_date",
                       _("The covered period must lie within the contract period %(start)s – %(end)s.")
                       % {"start": contract.start_date.isoformat(), "end": contract.end_date.isoformat()})


def _unique_link(link):
    if ContractDevice.objects.filter(contract_id=link.contract_id, device_id=link.device_id).exclude(pk=link.pk).exists():
        raise _invalid("device", _("The device %(serial)s is already covered by this contract.")
                       % {"serial": link.device.serial})


def contract_device_add(*, actor, data):
    def before_save(link):
        if link.contract_id and link.device_id:  # else full_clean names the missing field
            _unique_link(link)
            check_link(link)

    return object_create(actor=actor, model=ContractDevice, data=data, before_save=before_save)


def contract_device_update(*, actor, obj, data):
    data = {k: v for k, v in data.items() if k != "contract"}

    def before_save(link):
        if link.contract_id and link.device_id:
            _unique_link(link)
            check_link(link)

    return object_update(actor=actor, obj=obj, data=data, before_save=before_save)


def contract_device_remove(*, actor, obj):
    return object_delete(actor=actor, obj=obj)


# -- payment plan --------------------------------------------------------------------------------------------
def check_instalment(plan):
    _typed(plan, "amount", "paid_amount")
    if plan.amount is not None and plan.paid_amount is not None and plan.amount < plan.paid_amount:
        raise _invalid("amount", _("The amount cannot be less than the %(paid)s already received.")
                       % {"paid": plan.paid_amount})


def payment_plan_create(*, actor, data):
    data = {k: v for k, v in data.items() if k not in ("paid_amount", "paid_on", "status")}

    return object_create(actor=actor, model=PaymentPlan, data=data, before_save=check_instalment)


def payment_plan_update(*, actor, obj, data):
    data = {k: v for k, v in data.items() if k not in ("paid_amount", "paid_on", "status", "contract")}
    return object_update(actor=actor, obj=obj, data=data, before_save=check_instalment)


def payment_plan_delete(*, actor, obj):
    if PaymentPlan.objects.filter(pk=obj.pk, paid_amount__gt=0).exists():
        raise PaymentPlan.Refusals.HAS_PAYMENTS()
    return object_delete(actor=actor, obj=obj)


def payment_status(paid, amount):
    if paid <= 0:
        return PaymentPlan.Status.PLANNED
    return PaymentPlan.Status.PAID if paid >= amount else PaymentPlan.Status.PARTLY_PAID


def payment_record(*, actor, plan, amount, paid_on, expected_paid=None):
    """Record money received for an instalment. `expected_paid` is the amount received that the
    clerk saw: the update only applies while it is still so, so two clerks entering the same
    receipt count it once (the second is told to reload). Never more than the instalment —
    the check constraint backs that up."""
    amount = Decimal(amount)
    if amount <= 0:
        raise PaymentPlan.Refusals.NOT_POSITIVE()
    if paid_on is None:
        raise _invalid("paid_on", _("Please enter the date the money was received."))
    require_perm(actor, PaymentPlan, "change")
    with transaction.atomic():
        require_visible(actor, plan)
        fresh = PaymentPlan.objects.get(pk=plan.pk)
        seen = fresh.paid_amount if expected_paid is None else Decimal(expected_paid)
        if fresh.paid_amount != seen:
            raise Conflict()
        if seen + amount > fresh.amount:
            raise PaymentPlan.Refusals.OVERPAID(open=fresh.amount - seen)
        total = seen + amount
        try:
            with transaction.atomic():
                changed = PaymentPlan.objects.filter(pk=plan.pk, paid_amount=seen).update(
                    paid_amount=F("paid_amount") + amount, paid_on=paid_on,
                    status=payment_status(total, fresh.amount), updated_at=timezone.now())
        except IntegrityError as exc:
            raise PaymentPlan.Refusals.OVERPAID(open=fresh.amount - seen) from exc
        if changed != 1:
            raise Conflict()
        fresh.refresh_from_db()
        audit.record(actor=actor, action="update", obj=fresh, verb="payment",
                     changes={"paid_amount": [str(seen), str(fresh.paid_amount)],
                              "status": [payment_status(seen, fresh.amount), fresh.status]},
                     message=_("Received %(amount)s on %(date)s") % {"amount": amount, "date": paid_on.isoformat()})
    return fresh


# -- counter readings ------------------------------------------------------------------------------------------
def excess_charge(usage, quota, price):
    """Counts over the monthly quota and what they cost (Decimal, to the cent, half up)."""
    excess = max(0, int(usage) - int(quota or 0))
    return excess, (Decimal(excess) * Decimal(price)).quantize(CENT, rounding=ROUND_HALF_UP)


def _previous(reading):
    return (CounterReading.objects.filter(contract_id=reading.contract_id, device_id=reading.device_id,
                                          read_on__lt=reading.read_on).exclude(pk=reading.pk)
            .order_by("-read_on").first())


def _price_reading(reading):
    if not (reading.contract_id and reading.device_id):
        return  # full_clean names the missing field
    _typed(reading, "read_on", "value")
    contract = reading.contract
    if contract.kind != Contract.Kind.RENTAL:
        raise _invalid("contract", _("Counter readings belong to rental contracts."))
    if not ContractDevice.objects.filter(contract_id=contract.pk, device_id=reading.device_id).exists():
        raise _invalid("device", _("The device is not covered by this contract."))
    if reading.value is None or reading.read_on is None:
        return
    later = (CounterReading.objects.filter(contract_id=contract.pk, device_id=reading.device_id,
                                           read_on__gte=reading.read_on).exclude(pk=reading.pk))
    if later.exists():
        raise _invalid("read_on", _("A reading on or after %(date)s exists already; readings are entered in order.")
                       % {"date": reading.read_on.isoformat()})
    previous = _previous(reading)
    if previous is not None and reading.value < previous.value:
        raise _invalid("value", _("The counter reads %(value)s, less than the previous reading %(previous)s of "
                                  "%(date)s.") % {"value": reading.value, "previous": previous.value,
                                                  "date": previous.read_on.isoformat()})
    reading.usage = reading.value - previous.value if previous is not None else 0
    reading.excess, reading.excess_amount = excess_charge(reading.usage, contract.monthly_quota,
                                                          contract.excess_price)


def counter_reading_create(*, actor, data):
    return object_create(actor=actor, model=CounterReading, data=data, before_save=_price_reading)


def counter_reading_update(*, actor, obj, data):
    data = {k: v for k, v in data.items() if k not in ("contract", "device")}
    return object_update(actor=actor, obj=obj, data=data, before_save=_price_reading)
