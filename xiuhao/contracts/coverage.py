"""The coverage engine: for a device at a moment, which warranty applies, which contracts, what
they pay for, the SLA targets that follow, who serves it — and why.

    coverage = coverage_for(device, at=timezone.now())
    coverage.warranty_kind   # "manufacturer" | "contract" | "repair" | "out"
    coverage.reasons         # ["厂家保修至 2027-03-01", "合同 HT-00012（维保）覆盖至 2026-12-31，响应 4 小时"]

The rules, in order (docs/contracts.md is written from this module):
1. An invalid device is not serviceable: nothing covers it.
2. The contracts that apply: ACTIVE contracts linking the device whose period — narrowed by the
   link's own start/end — contains the day. Draft, expired and terminated contracts never apply.
3. Warranty kind: manufacturer while the device's manufacturer warranty runs; else contract while
   a warranty extension, maintenance or rental contract applies; else repair warranty while the
   device's repair warranty runs; else out of warranty 保外.
4. Percentages of parts/labour/travel: the most generous of the manufacturer/repair warranty
   (settings.WARRANTY_COVERAGE_PCT) and the warranty-granting contracts; 0 out of warranty.
5. SLA targets: the tightest response/on-site/repair hours over the applicable contracts (an
   outsourcing contract's service level included); a target no contract sets comes from
   settings.SLA_DEFAULTS_BY_TIER for the customer's tier.
6. Provider: the outlet of an applicable outsourcing contract (the latest-starting one).
7. Visits included: the most any applicable contract includes.

Cost: the device's customer (one query unless already loaded) and one query for the contract
links — no matter how many contracts apply.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Contract, ContractDevice

HUNDRED = Decimal("100")
ZERO = Decimal("0")
DEFAULT_WARRANTY_PCT = {
    "manufacturer": {"parts": 100, "labour": 100, "travel": 100},
    "repair": {"parts": 100, "labour": 100, "travel": 0},
}
HIDDEN_CONTRACT = gettext_lazy("a contract you may not open")
DEFAULT_SLA = {"response": 8, "onsite": 48, "repair": 72}
SLA_NAMES = ("response", "onsite", "repair")


@dataclass
class Coverage:
    device: object
    at: datetime.datetime
    serviceable: bool = True
    warranty_kind: str = "out"
    contracts: list = field(default_factory=list)  # the applicable Contracts, latest start first
    parts_pct: Decimal = ZERO
    labour_pct: Decimal = ZERO
    travel_pct: Decimal = ZERO
    response_hours: int | None = None
    onsite_hours: int | None = None
    repair_hours: int | None = None
    sla_source: dict = field(default_factory=dict)  # "response" -> contract code or "tier"
    visits_included: int | None = None
    provider: object = None
    reasons: list = field(default_factory=list)

    @property
    def in_warranty(self):
        """保内: the warranty pays for something."""
        return self.warranty_kind != "out"

    @property
    def warranty_label(self):
        from xiuhao.assets.models import Device

        return Device.WarrantyKind(self.warranty_kind).label

    def seen_by(self, user):
        """This coverage as `user` may read it: the outcome (warranty kind, percentages, SLA hours,
        provider) stays what the contracts make it — the engineer must know the device is covered —
        but contracts the user may not open are neither listed nor named in the reasons (they
        read "a contract you may not open"); `hidden_contracts` counts them."""
        from dataclasses import replace

        from .models import Contract

        visible = set(Contract.objects.restrict(user, "view").filter(pk__in=[c.pk for c in self.contracts])
                      .values_list("pk", flat=True)) if self.contracts else set()
        hidden = [c for c in self.contracts if c.pk not in visible]
        reasons = [str(r) for r in self.reasons]
        for contract in hidden:
            reasons = [r.replace(contract.code, str(HIDDEN_CONTRACT)) for r in reasons]
        seen = replace(self, contracts=[c for c in self.contracts if c.pk in visible], reasons=reasons,
                       sla_source={k: (str(HIDDEN_CONTRACT) if any(v == c.code for c in hidden) else v)
                                   for k, v in self.sla_source.items()})
        seen.hidden_contracts = len(hidden)
        return seen

    hidden_contracts = 0

    def as_dict(self):
        return {
            "device": self.device.pk, "serial": self.device.serial, "at": self.at.isoformat(),
            "serviceable": self.serviceable, "warranty_kind": self.warranty_kind, "in_warranty": self.in_warranty,
            "contracts": [{"id": c.pk, "code": c.code, "kind": c.kind, "start_date": c.start_date.isoformat(),
                           "end_date": c.end_date.isoformat()} for c in self.contracts],
            "parts_pct": str(self.parts_pct), "labour_pct": str(self.labour_pct), "travel_pct": str(self.travel_pct),
            "response_hours": self.response_hours, "onsite_hours": self.onsite_hours,
            "repair_hours": self.repair_hours, "visits_included": self.visits_included,
            "provider": ({"id": self.provider.pk, "code": self.provider.code, "name": self.provider.name}
                         if self.provider else None),
            "reasons": [str(r) for r in self.reasons],
        }


def _moment(at):
    if at is None:
        at = timezone.now()
    elif isinstance(at, datetime.date) and not isinstance(at, datetime.datetime):
        at = timezone.make_aware(datetime.datetime.combine(at, datetime.time(12)))
    elif timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at, timezone.localtime(at).date()


def _within(day, start, end):
    return (start is None or start <= day) and (end is None or day <= end)


def _warranty_pct(kind):
    table = {**DEFAULT_WARRANTY_PCT, **getattr(settings, "WARRANTY_COVERAGE_PCT", {})}
    return {k: Decimal(str(v)) for k, v in table[kind].items()}


def applicable_links(device, day):
    """Links of ACTIVE contracts covering `device` on `day` (the link's dates narrow the period)."""
    links = (ContractDevice.objects.filter(device_id=device.pk, contract__status=Contract.Status.ACTIVE,
                                           contract__start_date__lte=day, contract__end_date__gte=day)
             .select_related("contract", "contract__provider").order_by("-contract__start_date", "-contract_id"))
    return [link for link in links if _within(day, link.start_date, link.end_date)]


def _covered_until(link):
    ends = [d for d in (link.contract.end_date, link.end_date) if d]
    return min(ends)


def coverage_for(device, at=None) -> Coverage:
    at, day = _moment(at)
    result = Coverage(device=device, at=at)
    if device.status != device.Status.REGISTERED:
        result.serviceable = False
        result.reasons.append(_("The device is invalid and cannot be serviced: %(reason)s")
                              % {"reason": device.invalid_reason or device.get_status_display()})
        return result

    links = applicable_links(device, day)
    result.contracts = [link.contract for link in links]
    granting = [link for link in links if link.contract.kind in Contract.WARRANTY_KINDS]
    own_warranty = _within(day, device.warranty_start, device.warranty_end) and device.warranty_end is not None
    pct = {"parts": ZERO, "labour": ZERO, "travel": ZERO}

    def generous(values):
        for key in pct:
            pct[key] = max(pct[key], values[key])

    # Rule 3: the warranty kind (first that applies), and rule 4: what each source pays for.
    if device.warranty_kind == device.WarrantyKind.MANUFACTURER and own_warranty:
        result.warranty_kind = "manufacturer"
        generous(_warranty_pct("manufacturer"))
        result.reasons.append(_("Manufacturer warranty until %(end)s") % {"end": device.warranty_end.isoformat()})
    elif granting:
        result.warranty_kind = "contract"
    elif device.warranty_kind == device.WarrantyKind.REPAIR and own_warranty:
        result.warranty_kind = "repair"
        generous(_warranty_pct("repair"))
        result.reasons.append(_("Repair warranty until %(end)s") % {"end": device.warranty_end.isoformat()})
    else:
        result.reasons.append(_("Out of warranty: no manufacturer or repair warranty and no active contract "
                                "covers the device on %(day)s") % {"day": day.isoformat()})

    for link in granting:
        c = link.contract
        generous({"parts": c.parts_pct, "labour": c.labour_pct, "travel": c.travel_pct})
    result.parts_pct, result.labour_pct, result.travel_pct = pct["parts"], pct["labour"], pct["travel"]

    # Rule 5: the tightest SLA over every applicable contract, the customer's tier for the rest.
    for link in links:
        c = link.contract
        for name in SLA_NAMES:
            hours = getattr(c, f"{name}_hours")
            current = getattr(result, f"{name}_hours")
            if hours is not None and (current is None or hours < current):
                setattr(result, f"{name}_hours", hours)
                result.sla_source[name] = c.code
        if c.visits_included is not None:
            result.visits_included = max(result.visits_included or 0, c.visits_included)
        result.reasons.append(_contract_reason(link))
    outsourcing = [link.contract for link in links if link.contract.kind == Contract.Kind.OUTSOURCING]
    if outsourcing:
        result.provider = outsourcing[0].provider
        result.reasons.append(_("Serviced by the provider %(provider)s (outsourcing contract %(code)s)")
                              % {"provider": result.provider, "code": outsourcing[0].code})
    _tier_defaults(device, result)
    return result


def _hours_text(name, hours):
    if name == "response":
        return _("response %(hours)s h") % {"hours": hours}
    if name == "onsite":
        return _("on-site %(hours)s h") % {"hours": hours}
    return _("repair %(hours)s h") % {"hours": hours}


def _joined(parts):
    return _(", ").join(str(p) for p in parts)


def _contract_reason(link):
    c = link.contract
    text = _("Contract %(code)s (%(kind)s) covers it until %(end)s") % {
        "code": c.code, "kind": c.get_kind_display(), "end": _covered_until(link).isoformat()}
    parts = [_hours_text(name, getattr(c, f"{name}_hours")) for name in SLA_NAMES
             if getattr(c, f"{name}_hours") is not None]
    if c.kind in Contract.WARRANTY_KINDS:
        parts.append(_("parts %(parts)s%%, labour %(labour)s%%, travel %(travel)s%%") % {
            "parts": _pct(c.parts_pct), "labour": _pct(c.labour_pct), "travel": _pct(c.travel_pct)})
    return _joined([text, *parts])


def _pct(value):
    value = Decimal(value)
    return f"{value.quantize(Decimal(1)):f}" if value == value.to_integral_value() else f"{value.normalize():f}"


def _tier_defaults(device, result):
    missing = [name for name in SLA_NAMES if getattr(result, f"{name}_hours") is None]
    if not missing:
        return
    customer = device.customer if device.customer_id else None
    tier = customer.tier if customer is not None else "standard"
    table = getattr(settings, "SLA_DEFAULTS_BY_TIER", {})
    defaults = {**DEFAULT_SLA, **table.get(tier, table.get("standard", {}))}
    for name in missing:
        setattr(result, f"{name}_hours", defaults[name])
        result.sla_source[name] = "tier"
    tier_label = customer.get_tier_display() if customer is not None else _("Standard")
    result.reasons.append(_joined([_("Service level of the customer tier %(tier)s") % {"tier": tier_label},
                                   *[_hours_text(name, defaults[name]) for name in missing]]))
