"""Import pipelines of the catalogue's composite-key models, plugged into the platform's import
(core.imports: upload → preview with per-row errors → all-or-nothing apply, JSON bulk API).

* Fault codes are identified by (category, type, code), mileage bands by (fee standard, from km):
  composite keys declared on the platform's CompositeKeyPipeline.
* BOM lines by (product model, parent part, part): several products' BOMs in one sheet, columns
  产品型号编码 / 上级备件编码 (blank = top level) / 备件编码 / 单位用量 / 位置. A parent part is
  looked up in that product's stored BOM or in an earlier row of the same file.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from xiuhao.core.imports import CompositeKeyPipeline, RowOutcome, RowPipeline, cell_text, row_error

from .models import BomLine, Part, ProductModel
from .services import check_band


def _by_code(queryset, code):
    """The record of `code`, whatever its case when only one matches so ("p-01" finds P-01)."""
    found = queryset.filter(code=code).first()
    if found is None:
        hits = list(queryset.filter(code__iexact=code)[:2])
        found = hits[0] if len(hits) == 1 else None
    return found


class FaultCodePipeline(CompositeKeyPipeline):
    """Fault codes by (category, type, code)."""

    key_fields = ("category", "kind", "code")


class MileageBandPipeline(CompositeKeyPipeline):
    """Mileage bands by (fee standard code, from km); overlaps with stored bands are row errors."""

    key_fields = ("fee_standard", "from_km")
    rules = staticmethod(check_band)


class BomPipeline(RowPipeline):
    """Upsert BOM lines by (product model, parent part, part). A line is identified inside its
    product by the parts on its path from the top (the "identity"), e.g. (frame, tube)."""

    extra_aliases = {
        "产品型号编码": "product_model", "product model code": "product_model",
        "上级备件编码": "parent", "上级备件": "parent", "parent part code": "parent", "parent part": "parent",
        "备件编码": "part", "part code": "part",
    }
    required_columns = ("product_model", "part")
    export_paths = {"parent": "parent__part__code"}  # the export writes the parent line's part code

    def __init__(self, config, user):
        super().__init__(config, user)
        self.products = {}  # code -> ProductModel | None
        self.parts = {}  # code -> Part | None
        self.trees = {}  # product pk -> {identity: BomLine | None (created by an earlier row)}
        self.rows_by_identity = {}  # (product pk, identity) -> first row

    def _product(self, code):
        if code not in self.products:
            self.products[code] = _by_code(ProductModel.objects.visible_to(self.user), code)
        return self.products[code]

    def _part(self, code):
        if code not in self.parts:
            self.parts[code] = _by_code(Part.objects.visible_to(self.user), code)
        return self.parts[code]

    def _tree(self, product):
        if product.pk not in self.trees:
            lines = {line.pk: line for line in BomLine.objects.filter(product_model=product)}
            tree = {}
            for line in lines.values():
                identity, node, seen = [], line, set()
                while node is not None and node.pk not in seen:
                    seen.add(node.pk)
                    identity.insert(0, node.part_id)
                    node = lines.get(node.parent_id)
                tree[tuple(identity)] = line
            self.trees[product.pk] = tree
        return self.trees[product.pk]

    def _line(self, product, identity):
        """The stored line of `identity` (an earlier row of this import wrote it meanwhile)."""
        tree = self._tree(product)
        if tree.get(identity) is None:
            parent = self._line(product, identity[:-1]) if len(identity) > 1 else None
            tree[identity] = BomLine.objects.get(product_model=product, parent=parent, part_id=identity[-1])
        return tree[identity]

    def check(self, number, raw, *, validate_model=True) -> RowOutcome:
        out = RowOutcome(row=number)

        def err(name, message):
            out.errors.append(row_error(number, self.label(name), message))

        values = self.named_values(number, raw, out)
        codes = {name: cell_text(values.get(name)) for name in ("product_model", "parent", "part")}
        for name in ("product_model", "part"):  # the other cells are still checked: every error at once
            if not codes[name]:
                err(name, _("This field is required."))
        product = self._product(codes["product_model"]) if codes["product_model"] else None
        if codes["product_model"] and product is None:
            err("product_model", _("No product model with code “%(code)s”.") % {"code": codes["product_model"]})
        part = self._part(codes["part"]) if codes["part"] else None
        if codes["part"] and part is None:
            err("part", _("No spare part with code “%(code)s”.") % {"code": codes["part"]})
        parent_part = self._part(codes["parent"]) if codes["parent"] else None
        if codes["parent"] and parent_part is None:
            err("parent", _("No spare part with code “%(code)s”.") % {"code": codes["parent"]})
        quantity = self._quantity(values, err)
        position = cell_text(values.get("position"))
        if len(position) > 50:
            err("position", _("At most 50 characters."))
        if out.errors:
            return out
        out.key = " / ".join(c for c in (codes["product_model"], codes["parent"], codes["part"]) if c)
        tree = self._tree(product)
        parent_identity = ()
        if parent_part is not None:
            candidates = [i for i in tree if i[-1] == parent_part.pk]
            if not candidates:
                err("parent", _("The parent part %(parent)s is not in the BOM of %(product)s (nor in an earlier row).")
                    % {"parent": codes["parent"], "product": codes["product_model"]})
                return out
            if len(candidates) > 1:
                err("parent", _("The parent part %(parent)s appears several times in the BOM of %(product)s; "
                                "the line cannot be placed.") % {"parent": codes["parent"], "product": codes["product_model"]})
                return out
            parent_identity = candidates[0]
        if part.pk in parent_identity:
            err("part", _("Part %(part)s would appear twice on one path of the BOM (a cycle).") % {"part": codes["part"]})
            return out
        identity = (*parent_identity, part.pk)
        first = self.rows_by_identity.setdefault((product.pk, identity), number)
        if first != number:
            err("part", _("“%(value)s” also appears in row %(row)s.") % {"value": out.key, "row": first})
            return out
        existing = tree.get(identity)
        if existing is None and not self.can_add:
            err("part", _("You may not add new records."))
            return out
        out.instance = existing
        data = {"product_model": product, "part": part, "position": position}
        if quantity is not None:
            data["quantity"] = quantity
        elif existing is None:
            data["quantity"] = Decimal("1")
        if not validate_model:  # applying: earlier rows are written, the parent line exists
            data["parent"] = self._line(product, parent_identity) if parent_identity else None
        if existing is None:
            tree[identity] = None  # later rows may hang under this one
        if "position" not in values and existing is not None:
            data.pop("position")
        out.data = data
        return out

    def _quantity(self, values, err):
        if "quantity" not in values or cell_text(values.get("quantity")) == "":
            return None
        try:
            quantity = Decimal(cell_text(values["quantity"]))
        except (InvalidOperation, ValueError):
            err("quantity", _("Enter a number."))
            return None
        if not quantity.is_finite() or quantity <= 0:
            err("quantity", _("The quantity must be greater than 0."))
        elif quantity != quantity.quantize(Decimal("0.001")) or quantity >= Decimal("1e9"):
            err("quantity", _("At most 3 decimal places and 9 digits before the point."))
        return quantity
