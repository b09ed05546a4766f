"""Import of contacts and addresses, identified by (customer code, name) and (customer code, site
name): a composite key plugged into the platform's import pipeline (core.imports.pipeline_for).
Customers themselves use the generic pipeline with their code as the key.
"""

from django.utils.translation import gettext as _

from xiuhao.core.imports import RowOutcome, RowPipeline, _error, _text


class CustomerChildPipeline(RowPipeline):
    """Upsert rows of a model that belongs to a customer by (customer, `name_field`)."""

    name_field = "name"

    def map_headers(self, keys, row=1):
        positions, errors = super().map_headers(keys, row)
        if "customer" not in {name for _index, name in positions}:
            errors.insert(0, _error(row, self.header("customer"), _(
                "The column “%(name)s” is missing; it identifies the records.") % {"name": self.header("customer")}))
        return positions, errors

    def _named(self, number, raw, out):
        values = {}
        for key, value in raw.items():
            name = self.resolve(key)
            if name is None:
                out.errors.append(_error(number, key, _("Unknown column “%(name)s”.") % {"name": key}))
            elif name in values:
                out.errors.append(_error(number, key, _("The column “%(name)s” appears twice.") % {"name": key}))
            else:
                self.labels.setdefault(name, str(key))
                values[name] = value
        out.raw = {name: _text(v) for name, v in values.items()}
        return values

    def check(self, number, raw, *, validate_model=True) -> RowOutcome:
        out = RowOutcome(row=number)

        def err(name, message):
            out.errors.append(_error(number, self.label(name), message))

        values = self._named(number, raw, out)
        for name in ("customer", self.name_field):
            if not _text(values.get(name)):
                err(name, _("This field is required."))
        if out.errors:
            return out
        data, _deferred, failed = self._form_data(values, err, number, defer=False)
        if failed & {"customer", self.name_field}:
            return out
        lookup = {"customer_id": data["customer"], self.name_field: _text(values[self.name_field])}
        out.key = f"{_text(values['customer'])} / {lookup[self.name_field]}"
        first = self.seen.setdefault("__key__", {}).setdefault(tuple(lookup.values()), number)
        if first != number:
            err(self.name_field, _("“%(value)s” also appears in row %(row)s.") % {"value": out.key, "row": first})
            return out
        existing = self.config.queryset(self.user, "change").filter(**lookup).first()
        if existing is None and self.model._default_manager.filter(**lookup).exists():
            err(self.name_field, _("A record with this key exists, but you may not change it."))
            return out
        if existing is None and not self.can_add:
            err(self.name_field, _("You may not add new records."))
            return out
        out.instance = existing
        form = self.config.form(data, instance=existing, user=self.user)
        self._fit(form, [n for n in values if n not in failed])
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    err(name, message)
        if out.errors:
            return out
        out.data = form.service_data()
        out.cleaned = dict(form.cleaned_data)
        if validate_model:
            self._full_clean(out, existing, set(), err)
        return out


class ContactPipeline(CustomerChildPipeline):
    name_field = "name"


class AddressPipeline(CustomerChildPipeline):
    name_field = "label"
