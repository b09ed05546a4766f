"""Service contracts 服务合同: warranty extension, maintenance, outsourcing to a provider, rental;
covered devices, service level, payment plan, renewals and extensions, counter readings."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiuhao.core import constraints
from xiuhao.core.fields import money_field, percent_field
from xiuhao.core.models import OwnedModel, TimeStampedModel
from xiuhao.core.moves import REASON_REQUIRED, Move, ReasonForm, Refusal, StateMachine
from xiuhao.core.numbering import Numbering
from xiuhao.core.scope import ScopedManager, ScopeFields

from . import forms


class Contract(OwnedModel):
    class Kind(models.TextChoices):
        WARRANTY_EXTENSION = "warranty_extension", _("Warranty extension")  # 延保
        MAINTENANCE = "maintenance", _("Maintenance")  # 维保
        OUTSOURCING = "outsourcing", _("Outsourcing")  # 外包: jobs go to the provider outlet
        RENTAL = "rental", _("Rental")  # 租赁: counter readings, quota, excess price, deposit

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being prepared; covers nothing → ACTIVE, TERMINATED
        ACTIVE = "active", _("In force")  # covers its devices within its period → EXPIRED, TERMINATED
        EXPIRED = "expired", _("Expired")  # past its end date → ACTIVE (renewed or extended)
        TERMINATED = "terminated", _("Terminated")  # ended early, with a reason; final

    # Refusals a client may act on (stable codes; messages in the user's language).
    class Refusals:
        PERIOD_ENDED = Refusal("contract_period_ended",
                               _("The contract ended on %(end)s; change its period before activating it."))
        ALREADY_RENEWED = Refusal("contract_already_renewed", _("This contract was already renewed as %(code)s."))
        RENEWED_MEANWHILE = Refusal("contract_renewed_meanwhile",
                                    _("This contract was renewed by someone else just now."))
        NEW_END_MISSING = Refusal("contract_new_end_missing", _("Please enter the new end date."), field="new_end")
        NEW_END_TOO_EARLY = Refusal("contract_new_end_too_early",
                                    _("The new end date must be after the present end date %(end)s."),
                                    field="new_end")
        NEW_END_PASSED = Refusal("contract_new_end_passed",
                                 _("The new end date has passed too; the contract would stay expired."),
                                 field="new_end")
        RENEWAL_TOO_EARLY = Refusal("contract_renewal_too_early",
                                    _("The renewal must start after the present contract started."),
                                    field="start_date")
        TERMINATED = Refusal("contract_terminated", _("A terminated contract covers no more devices."))
        NOT_DRAFT = Refusal("contract_not_draft",
                            _("Only draft contracts may be deleted; terminate an active contract instead."))

    # The moves (services.py implements them with conditional updates). An expired contract comes
    # back to ACTIVE only by an extension; a renewal is a new contract (`renewed_from`).
    moves = StateMachine(
        Move("activate", _("Activate"), sources=[Status.DRAFT], target=Status.ACTIVE,
             intro=_("From today the contract covers its devices within its period."),
             refusals=[Refusals.PERIOD_ENDED]),
        Move("extend", _("Extend"), sources=[Status.ACTIVE, Status.EXPIRED], target=Status.ACTIVE,
             form=forms.ExtendForm, intro=lambda contract: _("Present end date: %(end)s") % {"end": contract.end_date},
             refusals=[REASON_REQUIRED, Refusals.NEW_END_MISSING, Refusals.NEW_END_TOO_EARLY,
                       Refusals.NEW_END_PASSED]),
        Move("renew", _("Renew"), sources=[Status.ACTIVE, Status.EXPIRED], permission="add", creates=True,
             form=forms.RenewForm, intro=_("The renewal copies the customer, service level, terms and covered devices."),
             refusals=[Refusals.ALREADY_RENEWED, Refusals.RENEWED_MEANWHILE, Refusals.RENEWAL_TOO_EARLY]),
        Move("terminate", _("Terminate"), sources=[Status.DRAFT, Status.ACTIVE], target=Status.TERMINATED,
             form=ReasonForm, danger=True, refusals=[REASON_REQUIRED],
             intro=_("A terminated contract covers nothing any more. This cannot be undone.")),
        Move("expire", _("Expire"), sources=[Status.ACTIVE], target=Status.EXPIRED, system=True),
    )

    # Kinds that put a covered device under contract warranty 合同保修 (outsourcing only names
    # the provider that serves it).
    WARRANTY_KINDS = (Kind.WARRANTY_EXTENSION, Kind.MAINTENANCE, Kind.RENTAL)

    # Left blank, the contract is numbered (HT20261200001; System › Document numbering may change it).
    code = models.CharField(_("contract no."), max_length=50, unique=True, blank=True)
    numbering = Numbering(prefix="HT", pattern="{prefix}{yyyy}{mm}{seq:05d}")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="contracts")
    provider = models.ForeignKey("org.Outlet", verbose_name=_("service provider"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="contracts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account manager"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    amount = money_field(_("contract amount"))
    # Service level 服务等级
    response_hours = models.PositiveIntegerField(_("response time (hours)"), null=True, blank=True)
    onsite_hours = models.PositiveIntegerField(_("on-site time (hours)"), null=True, blank=True)
    repair_hours = models.PositiveIntegerField(_("repair time (hours)"), null=True, blank=True)
    visits_included = models.PositiveIntegerField(_("visits included"), null=True, blank=True)
    # What it pays for, in percent of the cost
    parts_pct = percent_field(_("parts covered (%)"))
    labour_pct = percent_field(_("labour covered (%)"))
    travel_pct = percent_field(_("travel covered (%)"))
    # Rental
    deposit = money_field(_("deposit"))
    monthly_fee = money_field(_("monthly fee"))
    monthly_quota = models.PositiveIntegerField(_("monthly quota (counts)"), null=True, blank=True)
    excess_price = models.DecimalField(_("excess price per count"), max_digits=10, decimal_places=4,
                                       default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))])
    renewed_from = models.OneToOneField("self", verbose_name=_("renewal of"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="renewal")
    terminated_reason = models.CharField(_("reason terminated"), max_length=255, blank=True)
    remark = models.TextField(_("remark"), blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields(branch="branch", department="department", owner="owner", outlet="provider")

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "-id"]
        permissions = [("export_contract", _("Can export contracts")),
                       ("import_contract", _("Can import contracts"))]
        constraints = [
            constraints.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="contract_period",
            field="end_date", message=_("The contract cannot end before it starts.")),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        """Rules across fields, all reported at once with messages a clerk understands (the
        database constraint only backs them up). Values that did not convert are left to their
        field's own error."""
        errors = {}

        def add(name, message):
            errors.setdefault(name, []).append(message)

        def is_date(value):
            return isinstance(value, datetime.date)

        start, end, signed = self.start_date, self.end_date, self.signed_on
        if is_date(start) and is_date(end) and end < start:
            add("end_date", _("The end date must not be before the start date."))
        for name, messages in constraints.past_dates(self, "signed_on").items():
            errors.setdefault(name, []).extend(messages)
        if is_date(signed) and is_date(end) and signed > end:
            add("signed_on", _("A contract must be signed before its term ends."))
        if self.customer_id is None:
            add("customer", _("Please choose the customer of the contract."))
        if self.kind == self.Kind.OUTSOURCING and self.provider_id is None:
            add("provider", _("An outsourcing contract needs the service provider (outlet)."))
        if self.kind and self.kind != self.Kind.OUTSOURCING and self.provider_id is not None:
            add("provider", _("Only outsourcing contracts have a service provider."))
        if self.kind == self.Kind.RENTAL and self.monthly_quota is None:
            add("monthly_quota", _("A rental contract needs the monthly quota of counts."))
        if errors:
            raise ValidationError(errors)


class ContractDevice(TimeStampedModel):
    """A device covered by a contract (from `start_date`, default the contract's start)."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE,
                                 related_name="covered")
    device = models.ForeignKey("assets.Device", verbose_name=_("device"), on_delete=models.PROTECT,
                               related_name="contract_links")
    start_date = models.DateField(_("covered from"), null=True, blank=True)
    end_date = models.DateField(_("covered to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("contract")

    class Meta:
        verbose_name = _("covered device")
        verbose_name_plural = _("covered devices")
        ordering = ["contract", "id"]
        constraints = [constraints.UniqueConstraint(fields=["contract", "device"], name="contractdevice_unique",
            field="device", message=_("The device is already covered by this contract."))]

    def __str__(self):
        return f"{self.contract.code} · {self.device}"


class PaymentPlan(TimeStampedModel):
    """One instalment of a contract's payment plan 收款计划."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")

    class Refusals:
        OVERPAID = Refusal("instalment_overpaid", _("Only %(open)s of this instalment is still open."), field="amount")
        NOT_POSITIVE = Refusal("payment_not_positive", _("The amount received must be more than zero."),
                               field="amount")
        HAS_PAYMENTS = Refusal("instalment_has_payments", _("An instalment with received money cannot be deleted."))

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE,
                                 related_name="payments")
    due_date = models.DateField(_("due date"))
    amount = money_field(_("amount"))
    paid_amount = money_field(_("amount received"))
    paid_on = models.DateField(_("received on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("contract")

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["contract", "due_date"]
        constraints = [constraints.CheckConstraint(condition=models.Q(paid_amount__lte=models.F("amount")),
                                              name="paymentplan_not_overpaid",
            field="amount", message=_("The amount paid cannot exceed the amount due."))]

    def clean(self):
        super().clean()
        errors = constraints.past_dates(self, "paid_on")
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.contract.code} {self.due_date} {self.amount}"


class ContractChange(models.Model):
    """A recorded move of a contract: activation, renewal, extension 延期, termination, expiry."""

    class Kind(models.TextChoices):
        ACTIVATE = "activate", _("Activated")
        RENEW = "renew", _("Renewed")
        EXTEND = "extend", _("Extended")
        TERMINATE = "terminate", _("Terminated")
        EXPIRE = "expire", _("Expired")

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE,
                                 related_name="changes")
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    old_end = models.DateField(_("old end date"), null=True, blank=True)
    new_end = models.DateField(_("new end date"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("contract")

    class Meta:
        verbose_name = _("contract change")
        verbose_name_plural = _("contract changes")
        ordering = ["contract", "created_at"]

    def __str__(self):
        return f"{self.contract.code} {self.get_kind_display()}"


class CounterReading(TimeStampedModel):
    """A rental device's counter reading 抄表; usage above the monthly quota is billed at the
    contract's excess price."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE,
                                 related_name="readings")
    device = models.ForeignKey("assets.Device", verbose_name=_("device"), on_delete=models.PROTECT,
                               related_name="+")
    read_on = models.DateField(_("read on"))
    value = models.PositiveBigIntegerField(_("counter value"))
    usage = models.PositiveBigIntegerField(_("usage since last reading"), default=0, editable=False)
    excess = models.PositiveBigIntegerField(_("counts over quota"), default=0, editable=False)
    excess_amount = money_field(_("excess charge"), editable=False)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("contract")

    class Meta:
        verbose_name = _("counter reading")
        verbose_name_plural = _("counter readings")
        ordering = ["contract", "device", "read_on"]
        constraints = [constraints.UniqueConstraint(fields=["contract", "device", "read_on"],
                                               name="counterreading_one_per_day",
            field="read_on", message=_("This device already has a reading on this day for this contract."))]

    def clean(self):
        super().clean()
        errors = constraints.past_dates(self, "read_on")
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.device} {self.read_on}: {self.value}"


class ContractAlert(models.Model):
    """An expiry alert sent for one contract, threshold and end date — exactly once (unique)."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE,
                                 related_name="alerts")
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    end_date = models.DateField(_("end date"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    objects = ScopedManager()
    scope_fields = ScopeFields.via("contract")

    class Meta:
        verbose_name = _("contract alert")
        verbose_name_plural = _("contract alerts")
        ordering = ["-created_at"]
        constraints = [constraints.UniqueConstraint(fields=["contract", "days_before", "end_date"],
                                               name="contractalert_once",
            message=_("This contract alert was already sent."))]

    def __str__(self):
        return f"{self.contract.code} −{self.days_before}d"
