"""Reads of the catalogue that other modules build on (stable names and shapes)."""

from datetime import date
from decimal import Decimal

from django.db.models import Q

from .models import BomLine, FaultCode, FeeStandard, ProductCategory


def bom_lines(product_model):
    """The product model's BOM as a list of BomLine, parents before children (depth first, in
    sort order), each annotated with `.depth` (0 = top level), `.extended_quantity` (Decimal:
    the product of the unit quantities along the path = pieces per one product),
    `.extended_cost` (extended quantity × part cost) and `.rollup_cost` (a leaf's extended
    cost; an assembly's: the sum of its children's roll-ups). One query."""
    lines = list(BomLine.objects.filter(product_model=product_model).select_related("part")
                 .order_by("sort", "id"))
    children = {}
    for line in lines:
        children.setdefault(line.parent_id, []).append(line)
    ordered = []

    def walk(parent_id, depth, factor, seen):
        total = Decimal("0")
        for line in children.get(parent_id, []):
            if line.pk in seen:  # a damaged tree (written around the services) never loops
                continue
            line.depth = depth
            line.extended_quantity = factor * line.quantity
            line.extended_cost = line.extended_quantity * line.part.cost
            line.has_children = bool(children.get(line.pk))
            ordered.append(line)
            below = walk(line.pk, depth + 1, line.extended_quantity, seen | {line.pk})
            line.rollup_cost = below if line.has_children else line.extended_cost
            total += line.rollup_cost
        return total

    walk(None, 0, Decimal("1"), frozenset())
    return ordered


def bom_total_cost(lines) -> Decimal:
    """Material cost of one product: the top-level roll-ups of `bom_lines(...)`."""
    return sum((line.rollup_cost for line in lines if line.depth == 0), Decimal("0"))


def category_ancestors(category) -> list:
    """[category, its parent, …, the root] (guarded against a damaged tree)."""
    chain, seen = [], set()
    parents = dict(ProductCategory.objects.values_list("pk", "parent_id"))
    pk = category.pk if isinstance(category, ProductCategory) else category
    while pk is not None and pk not in seen:
        seen.add(pk)
        chain.append(pk)
        pk = parents.get(pk)
    return chain


def fault_codes(category, kind=None, *, active_only=True):
    """Fault codes valid for `category`: its own and those of its ancestors (a category inherits
    them); `kind` one of FaultCode.Kind or None for all kinds."""
    qs = FaultCode.objects.filter(category_id__in=category_ancestors(category)).select_related("category")
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(status="active")
    return qs.order_by("kind", "code", "category__code")


def fee_standard_for(category=None, branch=None, on=None):
    """The fee standard that applies: active, valid on `on` (default today), and the most
    specific one — category + branch > category > branch > general. A standard of an ancestor
    category applies to its sub-categories; a nearer category wins over a farther one. Ties go
    to the latest `valid_from`, then the code. None when nothing applies."""
    on = on or date.today()
    ancestors = category_ancestors(category) if category is not None else []
    branch_id = getattr(branch, "pk", branch)
    qs = FeeStandard.objects.filter(status="active").filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gte=on),
        Q(category__isnull=True) | Q(category_id__in=ancestors),
        Q(branch__isnull=True) | Q(branch_id=branch_id) if branch_id else Q(branch__isnull=True),
    )

    def rank(standard):
        if standard.category_id is not None:
            nearness = len(ancestors) - ancestors.index(standard.category_id)
        else:
            nearness = 0
        return (nearness, standard.branch_id is not None, standard.valid_from or date.min, _neg_code(standard.code))

    candidates = list(qs)
    return max(candidates, key=rank) if candidates else None


def _neg_code(code):
    # max() with ties broken by the smallest code: compare negated code points.
    return (*(-ord(c) for c in code), 1)
