"""Declared status moves: one declaration per move, next to the model's statuses.

A record with statuses (a contract, a device, a task, a clock, a process…) declares its moves once:

    class Contract(OwnedModel):
        class Status(models.TextChoices):
            DRAFT = "draft", _("Draft")
            ...

        moves = StateMachine(
            Move("activate", _("Activate"), sources=[Status.DRAFT], target=Status.ACTIVE,
                 intro=_("From today the contract covers its devices within its period.")),
            Move("terminate", _("Terminate"), sources=[Status.DRAFT, Status.ACTIVE], target=Status.TERMINATED,
                 form=ReasonForm, danger=True),
            Move("expire", _("Expire"), sources=[Status.ACTIVE], target=Status.EXPIRED, system=True),
        )

and its services module says which function performs each move, and (if any) the rule that
decides whether a given user may make it now beyond status and permission:

    @Contract.moves.implements("activate")
    def contract_activate(*, actor, contract): ...

    @Contract.moves.guard("activate")
    def _may_activate(actor, contract): ...   # raises a Refusal's error when it may not

From the declaration come:

- the allowed status pairs (`Contract.moves.allows(from, to)`), which `transition()` enforces;
- the page action (`/<app>/<model>/<pk>/<move>/`): a button on the detail page, shown only when
  the record's status allows the move and the user holds its permission (and the guard passes),
  opening a page with the move's form (or a confirmation);
- the API endpoint `POST /api/v1/<app>/<model>/<pk>/<move>/` with the form's fields as its body
  (a serializer derived from the form), `Idempotency-Key`, and the error codes it may answer
  documented in the OpenAPI schema (`x-error-codes` and the 400/409 responses);
- the audit event and history entry written by `transition()`;
- the generic tests in core/tests/test_moves.py (allowed and forbidden statuses, permission,
  data scope, audit, idempotency) for every declared move.

`transition(obj, to=..., actor=..., verb=...)` is the one helper that performs a move: it checks the
declared moves, updates the row conditionally on the status (and any other values) that were
read, writes the history entry (the machine's `history` hook) and the audit event, and schedules
side effects after commit. Of two users moving the same record at once exactly one wins; the
other gets a Conflict and nothing is written.

Refusals a client may act on carry stable codes: declare them with `Refusal(code, message)` beside
the statuses (see `Contract.Refusals`), raise `Refusals.X(**params)` in the service, and name them
on the moves that may raise them (`Move(..., refusals=[...])`) so the schema documents them.
"""

from dataclasses import dataclass, field

from django import forms as django_forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed

# Every declared refusal by code (the schema and the docs list them).
REFUSALS: dict = {}


class Refusal:
    """A refusal with a stable code a client can act on; its message is translated when raised.

    `error` is the ServiceError class (status code) it is raised as; `field` makes it a field
    error of a ValidationFailed (e.g. a missing reason)."""

    def __init__(self, code, message, *, error=None, field=None):
        self.code, self.message, self.field = code, message, field
        self.error = error or (ValidationFailed if field else Conflict)
        known = REFUSALS.get(code)
        if known is not None and str(known.message) != str(message):
            raise ValueError(f"The refusal code {code!r} is declared twice with different messages.")
        REFUSALS[code] = self

    @property
    def status(self):
        return self.error.status

    def __call__(self, **params):
        message = self.message % params if params else self.message
        if self.field:
            return self.error(fields={self.field: [message]}, code=self.code)
        return self.error(message, code=self.code)

    def __repr__(self):
        return f"Refusal({self.code!r})"


# Refusals of every move (the platform's own).
WRONG_STATUS = Refusal("wrong_status", _("“%(move)s” is not possible while the %(what)s is “%(status)s”."))
CHANGED_MEANWHILE = Refusal("conflict", Conflict.default_message)
REASON_REQUIRED = Refusal("reason_required", _("Please give a reason."), field="reason")
# The codes any write may answer with, by HTTP status (core.api.exception_handler).
COMMON_CODES = {
    "400": ["validation_failed", "malformed_request", "idempotency_key_reused"],
    "401": ["not_authenticated", "authentication_failed"],
    "403": ["permission_denied", "not_authenticated", "authentication_failed"],
    "404": ["not_found"],
    "409": ["conflict", "protected"],
    "415": ["unsupported_media_type"],
    "429": ["throttled"],
}


def error_codes(*refusals, common=None):
    """{HTTP status: [codes]} an operation may answer with: the common ones and `refusals`. An API
    view documents them with `extend_schema(extensions={"x-error-codes": error_codes(...)})`; the
    schema hook (core.schema) turns them into each error response's `code` enum."""
    codes = {status: list(names) for status, names in (COMMON_CODES if common is None else common).items()}
    for refusal in refusals:
        names = codes.setdefault(str(refusal.status), [])
        if refusal.code not in names:
            names.append(refusal.code)
    return codes


@dataclass(eq=False)
class Move:
    """One status move. `name` is its URL slug and API path (`set-invalid`), `verb` the audit verb
    (default: the name with underscores). `sources` are the statuses it may start from, `target`
    the status it ends in (None: the status stays, e.g. a renewal that creates a new record).
    `permission` is a model action ("change", "add", …) or a full "app.codename", or None when
    the move's guard alone decides who may make it (a task's assignee completes it). `form` is a
    Django form of its input (none: a confirmation); `initial(obj)` pre-fills it; `intro` is a
    line above the form (or `intro(obj)`, for a line about the record). `creates`: the
    service returns a new record (HTTP 201 with that record). `system` moves are made by jobs or
    other services only: no button, no endpoint."""

    name: str
    label: object
    sources: tuple = ()
    target: str | None = None
    permission: str = "change"
    form: type | None = None
    intro: object = ""
    refusals: tuple = ()
    creates: bool = False
    danger: bool = False
    system: bool = False
    verb: str = ""
    initial: object = None
    machine: object = field(default=None, repr=False)
    service: object = field(default=None, repr=False)
    check: object = field(default=None, repr=False)

    def __post_init__(self):
        self.sources = tuple(self.sources)
        self.refusals = tuple(self.refusals)
        self.verb = self.verb or self.name.replace("-", "_")

    def perm(self, model):
        if not self.permission:
            return None
        if "." in self.permission:
            return self.permission
        return f"{model._meta.app_label}.{self.permission}_{model._meta.model_name}"

    def starts_from(self, status):
        return status in self.sources

    @property
    def serializer(self):
        if self.form is None:
            return None
        cached = getattr(self, "_serializer", None)
        if cached is None:
            cached = self._serializer = serializer_from_form(self.form, f"{self.machine.model.__name__}"
                                                                         f"{self.verb.title().replace('_', '')}Input")
        return cached

    def error_codes(self):
        """{HTTP status: [codes]} this move may answer with (documented per API operation)."""
        return error_codes(WRONG_STATUS, *self.refusals)


class StateMachine:
    """The statuses' moves of one model (assign it to the model's `moves` attribute)."""

    def __init__(self, *moves, field="status", subject=None, history=None, wrong_status=None):
        self.field = field
        self._subject = subject
        self.history = history
        # fn(obj, move) -> a Refusal's error for a move the record's status does not allow, or None
        # for the common `wrong_status` (e.g. a task answers "already claimed by X" with its code).
        self.wrong_status = wrong_status
        self.moves = {}
        for move in moves:
            if move.name in self.moves:
                raise ValueError(f"The move {move.name!r} is declared twice.")
            move.machine = self
            self.moves[move.name] = move
        self.model = None

    def __set_name__(self, owner, name):
        self.model = owner

    # -- declarations bound by the services module ------------------------------------------------
    def implements(self, name):
        """Decorator: the service function performing move `name`; it is called as
        `service(actor=, <subject>=obj, **form data)`."""

        def bind(fn):
            self[name].service = fn
            return fn

        return bind

    def guard(self, name):
        """Decorator: `check(actor, obj)` raises a ServiceError when `actor` may not make move
        `name` on `obj` now for a reason beyond status and permission (e.g. not the assignee)."""

        def bind(fn):
            self[name].check = fn
            return fn

        return bind

    def initial(self, name):
        """Decorator: `fn(obj)` -> the values the move's page form starts with."""

        def bind(fn):
            self[name].initial = fn
            return fn

        return bind

    def record_history(self, fn):
        """Decorator: `fn(obj, *, move, actor, before, after, reason)` writes the model's own
        history row (e.g. ContractChange) for every transition."""
        self.history = fn
        return fn

    # -- reading ----------------------------------------------------------------------------------
    @property
    def subject(self):
        return self._subject or self.model._meta.model_name

    def __getitem__(self, name):
        return self.moves[name]

    def __iter__(self):
        return iter(self.moves.values())

    def user_moves(self):
        return [m for m in self.moves.values() if not m.system]

    def allows(self, source, target):
        return any(m.starts_from(source) and m.target == target for m in self.moves.values())

    def targets(self, source):
        return {m.target for m in self.moves.values() if m.starts_from(source) and m.target is not None}

    def status_of(self, obj):
        return getattr(obj, self.field)

    def status_label(self, status):
        f = self.model._meta.get_field(self.field)
        return dict(f.flatchoices).get(status, status)

    def refuse(self, obj, move):
        if self.wrong_status is not None:
            error = self.wrong_status(obj, move)
            if error is not None:
                return error
        status = self.status_of(obj)
        return WRONG_STATUS(move=move.label, what=self.model._meta.verbose_name, status=self.status_label(status))

    # -- "may it?" ------------------------------------------------------------------------------------
    def check(self, actor, obj, name, *, guard=True):
        """Raise the error the service would raise if `actor` made move `name` on `obj` (as read):
        permission, status, then the move's own guard. Services call it on the row they read
        inside their transaction; pages and the API call `may` to show what is possible."""
        move = self[name]
        perm = move.perm(self.model)
        if perm and not actor.has_perm(perm):
            raise PermissionDenied()
        if not move.starts_from(self.status_of(obj)):
            raise self.refuse(obj, move)
        if guard and move.check is not None:
            move.check(actor, obj)

    def fresh(self, actor, obj, name, *, guard=True):
        """The record as stored now, for a move's service inside its transaction: the move's
        permission, the actor's data scope (a record outside it is NotFound, like a missing one),
        then `check` on the row read."""
        perm = self[name].perm(self.model)
        if perm and not actor.has_perm(perm):
            raise PermissionDenied()
        rows = self.model._default_manager.all()
        if hasattr(rows, "visible_to"):
            rows = rows.visible_to(actor)
        row = rows.filter(pk=obj.pk).first()
        if row is None:
            raise NotFound()
        self.check(actor, row, name, guard=guard)
        return row

    def may(self, actor, obj, name):
        try:
            self.check(actor, obj, name)
        except ServiceError:
            return False
        return True

    def available(self, actor, obj):
        """The moves `actor` may make on `obj` now (the detail page's buttons)."""
        return [m for m in self.user_moves() if self.may(actor, obj, m.name)]

    # -- performing ---------------------------------------------------------------------------------
    def perform(self, name, *, actor, obj, data=None):
        """Call the service of move `name` (as pages and the API do)."""
        move = self[name]
        if move.service is None:
            raise LookupError(f"No service implements the move {self.model.__name__}.{name}.")
        return move.service(actor=actor, **{self.subject: obj}, **(data or {}))


def machine_of(model):
    machine = getattr(model, "moves", None)
    return machine if isinstance(machine, StateMachine) else None


def transition(obj, *, to, actor, verb, match=None, values=None, reason="", message="", on_commit=None,
               history=True, audited=True):
    """Move `obj` — as read in this transaction — to status `to`.

    The row is updated only while it still has the status (and the `match` values) that were
    read; otherwise Conflict. `values` are written with the status (they may be F() expressions).
    Then the machine's history hook and an audit event (`verb`, the changes of every written
    field, `message` or `reason`) are written in the same transaction, and `on_commit` callables
    run after it commits. Returns `obj`, refreshed. `audited=False` is for a record's own
    bookkeeping moves that are not anybody's act (an import job's validation finishing)."""
    from . import audit  # audit reads core.models, which declare their moves with this module

    model = type(obj)
    machine = machine_of(model)
    source = machine.status_of(obj)
    if not machine.allows(source, to):
        move = next((m for m in machine.moves.values() if m.verb == verb), None)
        raise machine.refuse(obj, move or Move(verb, verb))
    values = dict(values or {})
    written = {machine.field: to, **values}
    before = {name: getattr(obj, obj._meta.get_field(name).attname) for name in written}
    update = dict(written)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        update.setdefault("updated_at", timezone.now())
    filters = {"pk": obj.pk, machine.field: source, **(match or {})}
    if model._default_manager.filter(**filters).update(**update) != 1:
        raise CHANGED_MEANWHILE()
    obj.refresh_from_db()
    after = {name: getattr(obj, obj._meta.get_field(name).attname) for name in written}
    if history and machine.history is not None:
        machine.history(obj, verb=verb, actor=actor, before=before, after=after, reason=reason)
    if audited:
        plain = {k: audit._plain(v) for k, v in before.items()}, {k: audit._plain(v) for k, v in after.items()}
        audit.record(actor=actor, action="update", obj=obj, changes=audit.diff(*plain), verb=verb,
                     message=message or reason)
    for fn in _as_list(on_commit):
        transaction.on_commit(fn)
    return obj


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def require_reason(reason, refusal):
    """The trimmed reason, or the refusal (a field error) when it is blank."""
    reason = (reason or "").strip()
    if not reason:
        raise refusal()
    return reason


# -- inputs most moves ask for --------------------------------------------------------------------
DATE_INPUT = django_forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReasonForm(django_forms.Form):
    reason = django_forms.CharField(label=_("Reason"), max_length=255)


class OptionalReasonForm(django_forms.Form):
    reason = django_forms.CharField(label=_("Reason"), max_length=255, required=False)


# -- the input of a move on the API: a serializer derived from its form -----------------------------
def serializer_from_form(form_class, name):
    """A DRF serializer with the fields of a Django form (so a move's input is declared once)."""
    from rest_framework import serializers

    class ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
        """A related record by id, among those the requesting user may see."""

        def get_queryset(self):
            qs = super().get_queryset()
            request = self.context.get("request")
            if request is not None and hasattr(qs, "visible_to"):
                qs = qs.visible_to(request.user)
            return qs

    fields = {}
    for key, f in form_class.base_fields.items():
        kwargs = {"required": f.required, "label": f.label, "help_text": f.help_text or None}
        if isinstance(f, django_forms.ModelChoiceField):
            fields[key] = ScopedPrimaryKey(queryset=f.queryset, allow_null=not f.required, **kwargs)
        elif isinstance(f, django_forms.BooleanField):
            fields[key] = serializers.BooleanField(required=False, label=f.label)
        elif isinstance(f, django_forms.DecimalField):
            fields[key] = serializers.DecimalField(max_digits=f.max_digits, decimal_places=f.decimal_places,
                                                   min_value=f.min_value, max_value=f.max_value, **kwargs)
        elif isinstance(f, django_forms.IntegerField):
            fields[key] = serializers.IntegerField(min_value=f.min_value, max_value=f.max_value, **kwargs)
        elif isinstance(f, django_forms.DateTimeField):
            fields[key] = serializers.DateTimeField(**kwargs)
        elif isinstance(f, django_forms.DateField):
            fields[key] = serializers.DateField(**kwargs)
        elif isinstance(f, django_forms.ChoiceField):
            fields[key] = serializers.ChoiceField(choices=f.choices, **kwargs)
        elif isinstance(f, django_forms.CharField):
            fields[key] = serializers.CharField(max_length=f.max_length, allow_blank=not f.required, **kwargs)
        else:
            raise TypeError(f"{form_class.__name__}.{key}: no API field for {type(f).__name__}")
    return type(name, (serializers.Serializer,), fields)
