"""Document numbers 单据编号: one declaration per numbered model, one race-free counter service.

A numbered record type declares its numbering once, next to its fields:

    class Contract(OwnedModel):
        code = models.CharField(_("contract no."), max_length=50, unique=True, blank=True)
        numbering = Numbering(prefix="HT", pattern="{prefix}{yyyy}{mm}{seq:05d}")

From it:

- `core.services.object_create` gives a record whose numbered field was left blank the next
  number (a typed number is kept; the unique constraint keeps it unique). Domain services that
  write through `object_create` get this for free; others call `assign_number(obj)`.
- `next_number("contracts.contract")` (or `Contract.numbering.next()`) hands out the next number.
- An administrator may change prefix, pattern and reset period per document type on the page
  System › Document numbering (a `NumberFormat` row); without a row the declaration holds.

Placeholders: `{prefix}`, `{yyyy}` `{yy}` `{mm}` `{dd}` and the combined `{yyyymm}` `{yymm}`
`{yyyymmdd}` `{yymmdd}` (the local date, settings.TIME_ZONE), and exactly one `{seq}` or
`{seq:0Nd}` (the running number, zero-padded to N digits; it grows wider rather than wrapping).

Counting: one `NumberCounter` row per (document type, prefix, period), e.g. ("contracts.contract",
"HT", "2026-12"), advanced by `UPDATE … SET value = value + 1` inside the caller's transaction.
The row stays locked until that transaction ends, so two concurrent callers never get the same
number; a rolled-back caller rolls its increment back too. A missing row is inserted (started
after the highest number of that shape already in use, so numbers typed or imported earlier are
not handed out again); two callers inserting it at once are settled by the unique constraint:
the loser advances the winner's row. A number that is taken already (typed by hand) is skipped.
"""

import re
import string
from dataclasses import dataclass

from django.db import IntegrityError, models, router, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ValidationFailed


class Period(models.TextChoices):
    """How often the running number starts again at 1."""

    NONE = "none", gettext_lazy("Never")
    YEAR = "year", gettext_lazy("Every year")
    MONTH = "month", gettext_lazy("Every month")
    DAY = "day", gettext_lazy("Every day")


RANK = {Period.NONE: 0, Period.YEAR: 1, Period.MONTH: 2, Period.DAY: 3}
# Date placeholders: (strftime format, the periods they show).
DATE_PARTS = {
    "yyyy": ("%Y", {Period.YEAR}), "yy": ("%y", {Period.YEAR}), "mm": ("%m", {Period.MONTH}),
    "dd": ("%d", {Period.DAY}), "yyyymm": ("%Y%m", {Period.YEAR, Period.MONTH}),
    "yymm": ("%y%m", {Period.YEAR, Period.MONTH}), "yyyymmdd": ("%Y%m%d", {Period.YEAR, Period.MONTH, Period.DAY}),
    "yymmdd": ("%y%m%d", {Period.YEAR, Period.MONTH, Period.DAY}),
}
PLACEHOLDERS = ("prefix", *DATE_PARTS, "seq")
SEQ_SPEC = re.compile(r"^0([1-9][0-9]?)d$")
MAX_WIDTH = 12


class PatternError(ValueError):
    """A numbering pattern that cannot make unique numbers; the message is for the administrator."""


@dataclass(frozen=True)
class Format:
    """A checked pattern with its prefix and reset period: renders numbers for a date."""

    prefix: str
    pattern: str
    period: str  # a Period value

    def parts(self):
        """[(literal text, placeholder name or None, seq width or 0)] of the pattern."""
        return _parse(self.pattern)

    def key(self, day):
        """The counter's period key of `day`: "", "2026", "2026-12" or "2026-12-04"."""
        return {Period.NONE: "", Period.YEAR: f"{day:%Y}", Period.MONTH: f"{day:%Y-%m}",
                Period.DAY: f"{day:%Y-%m-%d}"}[self.period]

    def render(self, seq, day):
        out = []
        for literal, name, width in self.parts():
            out.append(literal)
            if name == "prefix":
                out.append(self.prefix)
            elif name == "seq":
                out.append(f"{seq:0{width}d}" if width else str(seq))
            elif name:
                out.append(day.strftime(DATE_PARTS[name][0]))
        return "".join(out)

    def regex(self, day):
        """A regular expression matching the numbers of `day`'s period of this shape; group 1 is
        the running number. Written for both Python and PostgreSQL (ARE) syntax."""
        out = ["^"]
        for literal, name, width in self.parts():
            out.append(re.escape(literal))
            if name == "prefix":
                out.append(re.escape(self.prefix))
            elif name == "seq":
                # exactly `width` digits, or more without a leading zero: longer means larger
                out.append(f"([0-9]{{{width}}}|[1-9][0-9]{{{width},}})" if width else "([1-9][0-9]*)")
            elif name:
                out.append(re.escape(day.strftime(DATE_PARTS[name][0])))
        out.append("$")
        return "".join(out)


def _parse(pattern):
    parts = []
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise PatternError(_("The pattern has an unmatched brace “{” or “}”.")) from exc
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append((literal, None, 0))
            continue
        if name not in PLACEHOLDERS:
            raise PatternError(_("Unknown placeholder “{%(name)s}”. Use %(known)s.") % {
                "name": name, "known": ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)})
        width = 0
        if conversion:
            raise PatternError(_("The placeholder “{%(name)s}” takes no conversion.") % {"name": name})
        if spec and name != "seq":
            raise PatternError(_("Only {seq} takes a width (as in {seq:05d}); “{%(name)s:%(spec)s}” does not.")
                               % {"name": name, "spec": spec})
        if spec:
            match = SEQ_SPEC.match(spec)
            if not match or int(match.group(1)) > MAX_WIDTH:
                raise PatternError(_("Write the width of the running number as {seq:05d} (1 to %(max)s digits).")
                                   % {"max": MAX_WIDTH})
            width = int(match.group(1))
        parts.append((literal, name, width))
    return parts


def check(prefix, pattern, period=""):
    """The Format of `pattern`, or PatternError with a message saying what is wrong. `period`
    left empty resets the counter as often as the pattern's finest date part changes."""
    if any(c in prefix for c in "{}"):
        raise PatternError(_("The prefix may not contain braces."))
    parts = _parse(pattern)
    names = [name for _literal, name, _width in parts if name]
    if names.count("seq") != 1:
        raise PatternError(_("The pattern needs the running number {seq} exactly once (as in {seq:05d})."))
    shown = set().union(*(DATE_PARTS[name][1] for name in names if name in DATE_PARTS))
    if (Period.DAY in shown and Period.MONTH not in shown) or (Period.MONTH in shown and Period.YEAR not in shown):
        raise PatternError(_("A pattern with the month or day must show the year (and month) as well, or the "
                             "numbers would repeat."))
    finest = max(shown, key=RANK.get, default=Period.NONE)
    period = period or finest
    if RANK[Period(period)] > RANK[finest]:
        raise PatternError(_("The running number may only start again when the date in the number changes: "
                             "add the date parts to the pattern or reset less often."))
    return Format(prefix=prefix, pattern=pattern, period=Period(period))


class Numbering:
    """The numbering of a model's field (by default `code`), declared on the model:
    `numbering = Numbering(prefix="HT", pattern="{prefix}{yyyy}{mm}{seq:05d}")`.
    The field must be unique and blank=True (left blank, the service numbers it)."""

    def __init__(self, *, prefix, pattern="{prefix}{seq:06d}", period="", field="code"):
        self.default = check(prefix, pattern, period)  # a wrong pattern fails at start-up
        self.field = field
        self.model = None

    def contribute_to_class(self, cls, name):
        self.model = cls
        setattr(cls, name, self)
        if not cls._meta.abstract:
            DECLARED[cls._meta.label_lower] = self

    @property
    def kind(self):
        return self.model._meta.label_lower

    @property
    def label(self):
        return self.model._meta.verbose_name

    def format(self):
        """The administrator's format of this document type, or the declared default."""
        from .models import NumberFormat

        row = NumberFormat.objects.filter(kind=self.kind).values_list("prefix", "pattern", "reset").first()
        return check(*row) if row else self.default

    def next(self, *, on=None):
        return next_number(self.kind, on=on)


# Declared numberings by model label ("contracts.contract").
DECLARED: dict[str, Numbering] = {}


def declared(kind):
    try:
        return DECLARED[kind]
    except KeyError:
        raise LookupError(f"No numbering is declared for {kind!r}.") from None


def kind_choices():
    return sorted(((kind, str(n.label)) for kind, n in DECLARED.items()), key=lambda c: c[0])


def kind_label(kind):
    numbering = DECLARED.get(kind)
    return str(numbering.label) if numbering else kind


def next_number(kind, *, on=None):
    """The next free number of document type `kind` for the local date `on` (default today).
    Call it inside the transaction that saves the record: the counter row stays locked until that
    transaction ends, and rolls back with it."""
    numbering = declared(kind)
    day = on or timezone.localdate()
    fmt = numbering.format()
    model = numbering.model
    with transaction.atomic(using=router.db_for_write(model)):
        while True:
            number = fmt.render(_advance(kind, fmt, day, lambda: _highest_in_use(numbering, fmt, day)), day)
            if not model._base_manager.filter(**{numbering.field: number}).exists():
                return number


def assign_number(obj, *, stored=None, on=None):
    """Give `obj` a number if its numbered field is blank (a typed number is kept): the number of
    `stored` (the record as stored, when it is edited: blanking a number does not clear it), else
    the next one."""
    numbering = DECLARED.get(type(obj)._meta.concrete_model._meta.label_lower)
    if numbering is None or getattr(obj, numbering.field):
        return obj
    number = getattr(stored, numbering.field, None)
    if not number:
        number = next_number(numbering.kind, on=on)
    limit = obj._meta.get_field(numbering.field).max_length
    if limit and len(number) > limit:
        raise ValidationFailed(fields={numbering.field: [
            _("The number %(number)s is longer than %(limit)s characters; shorten the numbering pattern.")
            % {"number": number, "limit": limit}]})
    setattr(obj, numbering.field, number)
    return obj


def _advance(kind, fmt, day, start):
    """The counter's next value: a conditional UPDATE of the existing row, or the row inserted
    (after `start()`) when it does not exist yet."""
    from .models import NumberCounter

    row = NumberCounter.objects.filter(kind=kind, prefix=fmt.prefix, period=fmt.key(day))
    while True:
        if row.update(value=F("value") + 1):
            return row.values_list("value", flat=True).get()  # our own, locked row
        value = start() + 1
        try:
            with transaction.atomic(using=row.db):
                NumberCounter.objects.create(kind=kind, prefix=fmt.prefix, period=fmt.key(day), value=value)
            return value
        except IntegrityError:
            continue  # a concurrent caller inserted it first: advance theirs


def _highest_in_use(numbering, fmt, day):
    """The largest running number of this shape and period among the stored numbers (0 if none)."""
    pattern = fmt.regex(day)
    field = numbering.field
    last = (numbering.model._base_manager.filter(**{f"{field}__regex": pattern})
            .order_by(Length(field).desc(), F(field).desc()).values_list(field, flat=True).first())
    return int(re.match(pattern, last).group(1)) if last else 0
