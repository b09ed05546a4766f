"""Writes and rules of the catalogue: the category tree, BOM lines (same product, no cycles),
fee standards (formula checked when saved), mileage bands (no overlaps) and the fee quote.

Every write goes through core.services (permission, full_clean, audit in the same
transaction). Rules that look at sibling rows lock the owning row first (the product model of a
BOM line, the fee standard of a mileage band), so two concurrent writers are checked one after
the other by the database."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from xiuhao.core import audit, context
from xiuhao.core.errors import ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.core.services import object_create, object_delete, object_update, require_perm

from . import formulas
from .models import BomLine, FeeStandard, MileageBand, ProductCategory, ProductModel


def _fail(name, message):
    raise ValidationFailed(fields={name: [message]})


# -- product categories -------------------------------------------------------------------------------
def _check_category_parent(category):
    if category.parent_id is None or category.pk is None:
        return
    parents = dict(ProductCategory.objects.values_list("pk", "parent_id"))
    parents[category.pk] = category.parent_id
    pk, seen = category.parent_id, set()
    while pk is not None and pk not in seen:
        if pk == category.pk:
            _fail("parent", _("A category cannot be placed under itself or one of its sub-categories."))
        seen.add(pk)
        pk = parents.get(pk)


def category_create(*, actor, data):
    return object_create(actor=actor, model=ProductCategory, data=data)


def category_update(*, actor, obj, data):
    return object_update(actor=actor, obj=obj, data=data, before_save=_check_category_parent)


# -- BOM lines ----------------------------------------------------------------------------------------
def _lock_product(product_model_id):
    # Serialises BOM writes per product: the tree check below sees every committed line.
    ProductModel.objects.select_for_update().filter(pk=product_model_id).first()


def check_bom_line(line):
    """The rules of a BOM line, checked against the product's stored tree with `line` in its
    new place: the parent belongs to the same product model; no line lies under itself; no part
    appears twice on one path from the top (that would make the BOM a cycle)."""
    if not line.product_model_id or not line.part_id:
        return  # full_clean reports the missing fields
    if line.pk:
        stored = BomLine.objects.filter(pk=line.pk).values_list("product_model_id", flat=True).first()
        if stored != line.product_model_id and BomLine.objects.filter(parent_id=line.pk).exists():
            _fail("product_model", _("A line with sub-lines cannot move to another product model."))
    if line.parent_id:
        parent_product = BomLine.objects.filter(pk=line.parent_id).values_list("product_model_id", flat=True).first()
        if parent_product != line.product_model_id:
            _fail("parent", _("The parent line belongs to another product model's BOM."))
    tree = {pk: (parent, part) for pk, parent, part in
            BomLine.objects.filter(product_model_id=line.product_model_id).values_list("pk", "parent_id", "part_id")}
    key = line.pk or "new"
    tree[key] = (line.parent_id, line.part_id)
    part_codes = None
    for start in tree:
        parts_on_path, pk, seen = [], start, set()
        while pk is not None:
            if pk in seen:
                _fail("parent", _("A BOM line cannot be placed under itself or one of its sub-lines."))
            seen.add(pk)
            parent, part = tree[pk]
            if part in parts_on_path:
                if part_codes is None:
                    from .models import Part

                    part_codes = dict(Part.objects.filter(pk=part).values_list("pk", "code"))
                _fail("part", _("Part %(part)s would appear twice on one path of the BOM (a cycle).")
                      % {"part": part_codes.get(part, part)})
            parts_on_path.append(part)
            pk = parent if parent in tree else None


def bom_line_create(*, actor, data):
    with transaction.atomic():
        product = data.get("product_model")
        if product is not None:
            _lock_product(product.pk)
        return object_create(actor=actor, model=BomLine, data=data, before_save=check_bom_line)


def bom_line_update(*, actor, obj, data):
    with transaction.atomic():
        _lock_product(obj.product_model_id)
        product = data.get("product_model")
        if product is not None and product.pk != obj.product_model_id:
            _lock_product(product.pk)
        return object_update(actor=actor, obj=obj, data=data, before_save=check_bom_line)


# -- bulk loads ------------------------------------------------------------------------------------------
def _audit_created(actor, objs):
    """One "create" event per record, written in one statement (same content as audit.record)."""
    if not objs:
        return
    ctx = context.current()
    ct = ContentType.objects.get_for_model(objs[0], for_concrete_model=False)
    AuditEvent.objects.bulk_create([AuditEvent(
        actor=actor, actor_name=str(actor)[:150], ip=ctx.ip, request_id=ctx.request_id, action="create",
        content_type=ct, object_id=str(obj.pk), object_repr=str(obj)[:200], branch_id=getattr(actor, "branch_id", None),
        changes=audit.diff({}, audit.snapshot(obj))) for obj in objs])


def _clean_fields(objs):
    for number, obj in enumerate(objs, start=1):
        # Related records given as saved instances exist; uniqueness is left to the database's
        # constraints (one INSERT, no query per row).
        given = [f.name for f in obj._meta.concrete_fields
                 if f.is_relation and f.is_cached(obj) and getattr(obj, f.name) is not None and getattr(obj, f.name).pk]
        try:
            obj.full_clean(exclude=given, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            error = ValidationFailed.from_django(exc)
            error.message = _("Record %(n)s: %(errors)s") % {"n": number, "errors": "；".join(
                f"{name}: {m}" for name, messages in error.fields.items() for m in messages)}
            raise error from exc


def _insert(model, objs):
    try:
        with transaction.atomic():
            return model.objects.bulk_create(objs)
    except IntegrityError as exc:
        raise ValidationFailed(_("A record with the same unique value already exists.")) from exc


def bulk_create(*, actor, model, rows):
    """Many new records of one catalogue model (no tree rules: parts, fault codes, brands…) in one
    INSERT: permission, field validation, the database's unique constraints, one audit event per
    record — all or nothing. For loads such as the demo data."""
    require_perm(actor, model, "add")
    objs = [model(**row) for row in rows]
    _clean_fields(objs)
    with transaction.atomic():
        created = _insert(model, objs)
        _audit_created(actor, created)
    return created


def bom_tree_create(*, actor, product_model, tree):
    """A new product model's whole BOM in one INSERT per level. `tree`: [(part, quantity, position,
    [children in the same shape])]. The BOM rules hold by construction except the cycle rule,
    which is checked on each path; a product that already has a BOM is refused."""
    require_perm(actor, BomLine, "add")
    with transaction.atomic():
        _lock_product(product_model.pk)
        if BomLine.objects.filter(product_model=product_model).exists():
            raise ValidationFailed(_("%(product)s already has a BOM; change it line by line or import it.")
                                   % {"product": product_model})
        level, created = [(None, node, ()) for node in tree], []
        while level:
            objs = []
            for sort, (parent, (part, quantity, position, _children), path) in enumerate(level, start=1):
                if part.pk in path:
                    _fail("part", _("Part %(part)s would appear twice on one path of the BOM (a cycle).")
                          % {"part": part.code})
                objs.append(BomLine(product_model=product_model, parent=parent, part=part, quantity=quantity,
                                    position=position, sort=sort))
            _clean_fields(objs)
            objs = _insert(BomLine, objs)
            created += objs
            level = [(obj, child, (*path, node[0].pk))
                     for obj, (_parent, node, path) in zip(objs, level, strict=True) for child in node[3]]
        _audit_created(actor, created)
    return created


# -- fee standards and mileage bands ------------------------------------------------------------------
def _check_formula(standard):
    if standard.formula.strip():
        try:
            formulas.validate(standard.formula)
        except formulas.FormulaError as exc:
            _fail("formula", exc.message)


def fee_standard_create(*, actor, data):
    branch = data.get("branch")

    def before_save(standard):
        # A fee standard is company-wide unless a branch is chosen: never the creator's branch.
        standard.branch = branch
        _check_formula(standard)

    return object_create(actor=actor, model=FeeStandard, data=data, before_save=before_save)


def fee_standard_update(*, actor, obj, data):
    return object_update(actor=actor, obj=obj, data=data, before_save=_check_formula)


def check_band(band):
    """A band's range is valid and overlaps no other band of its fee standard."""
    if band.fee_standard_id is None or band.from_km is None:
        return
    if band.to_km is not None and band.to_km <= band.from_km:
        _fail("to_km", _("“To” must be greater than “from”."))
    end = band.to_km if band.to_km is not None else Decimal("Infinity")
    others = MileageBand.objects.filter(fee_standard_id=band.fee_standard_id).exclude(pk=band.pk)
    for other in others:
        other_end = other.to_km if other.to_km is not None else Decimal("Infinity")
        if band.from_km < other_end and other.from_km < end:
            _fail("from_km", _("The band overlaps the band %(band)s of this fee standard.") % {"band": other})


def _lock_standard(pk):
    FeeStandard.objects.select_for_update().filter(pk=pk).first()


def mileage_band_create(*, actor, data):
    with transaction.atomic():
        if data.get("fee_standard") is not None:
            _lock_standard(data["fee_standard"].pk)
        return object_create(actor=actor, model=MileageBand, data=data, before_save=check_band)


def mileage_band_update(*, actor, obj, data):
    with transaction.atomic():
        _lock_standard(obj.fee_standard_id)
        if data.get("fee_standard") is not None:
            _lock_standard(data["fee_standard"].pk)
        return object_update(actor=actor, obj=obj, data=data, before_save=check_band)


def mileage_band_delete(*, actor, obj):
    return object_delete(actor=actor, obj=obj)


# -- the fee quote ------------------------------------------------------------------------------------
@dataclass
class FeeLine:
    key: str  # door / labour / mileage / custom
    label: str
    amount: Decimal
    detail: str = ""


@dataclass
class FeeQuote:
    standard: FeeStandard
    lines: list = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    variables: dict = field(default_factory=dict)

    def amount(self, key):
        return next((line.amount for line in self.lines if line.key == key), Decimal("0.00"))


def _decimal(name, value, *, minimum=Decimal("0")):
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        _fail(name, _("Enter a number."))
    if not number.is_finite() or number < minimum or number >= formulas.LIMIT:
        _fail(name, _("Enter a number from %(min)s up to 999,999,999,999.") % {"min": minimum})
    return number


def mileage_amount(bands, km) -> Decimal:
    """Fee of a one-way distance: the band with from_km ≤ km < to_km (the last band may be open)
    gives fixed_fee + per_km × (km − from_km); no bands → 0; km in a gap between bands → error."""
    bands = list(bands)
    if not bands:
        return Decimal("0")
    for band in sorted(bands, key=lambda b: b.from_km):
        if band.from_km <= km and (band.to_km is None or km < band.to_km):
            return band.fixed_fee + band.per_km * (km - band.from_km)
    _fail("km", _("No mileage band of this fee standard covers %(km)s km.") % {"km": km})


def fee_quote(standard, *, hours, km, parts_amount=Decimal(0), **variables) -> FeeQuote:
    """Fees of one service case under `standard`: door fee × visits, labour per hour × hours,
    mileage band fee × visits, and the custom formula's line (which may be negative: a
    discount). Each line is rounded half-up to 0.01; the total is their sum and may not be
    negative. Extra `variables`: visits (default 1), tier ("standard"). Raises ValidationFailed."""
    hours = _decimal("hours", hours)
    km = _decimal("km", km)
    parts_amount = _decimal("parts_amount", parts_amount)
    visits = variables.pop("visits", None)
    visits = _decimal("visits", 1 if visits is None else visits, minimum=Decimal("1"))
    if visits != visits.to_integral_value() or visits > 100:
        _fail("visits", _("Visits are a whole number from 1 to 100."))
    tier = str(variables.pop("tier", "") or "standard")[:30]
    if variables:
        _fail("non_field_errors", _("Unknown variables: %(names)s") % {"names": ", ".join(sorted(variables))})
    bands = standard.mileage_bands.all()
    door = formulas.money(standard.door_fee * visits)
    labour = formulas.money(standard.labour_per_hour * hours)
    mileage = formulas.money(mileage_amount(bands, km) * visits)
    lines = [
        FeeLine("door", _("Door fee"), door, f"{standard.door_fee} × {visits}"),
        FeeLine("labour", _("Labour"), labour, f"{standard.labour_per_hour} × {hours} h"),
        FeeLine("mileage", _("Mileage"), mileage, f"{km} km × {visits}"),
    ]
    values = {"door_fee": standard.door_fee, "labour_per_hour": standard.labour_per_hour, "hours": hours, "km": km,
              "visits": visits, "door_amount": door, "labour_fee": labour, "mileage_fee": mileage,
              "parts_amount": parts_amount, "base": door + labour + mileage, "tier": tier}
    if standard.formula.strip():
        try:
            custom = formulas.money(formulas.evaluate(standard.formula, values))
        except formulas.FormulaError as exc:
            _fail("formula", exc.message)
        lines.append(FeeLine("custom", _("Custom fee"), custom, standard.formula))
    total = sum((line.amount for line in lines), Decimal("0.00"))
    if total < 0:
        _fail("non_field_errors", _("The fees add up to a negative total (%(total)s).") % {"total": total})
    return FeeQuote(standard=standard, lines=lines, total=formulas.money(total), variables=values)
