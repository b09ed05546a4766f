"""Excel/JSON import of a contract's rows identified by the contract and one more column:
covered devices by (contract no., serial number), payment plans by (contract no., due date).
The generic pipeline of core.imports upserts by one natural key; these two keys are pairs."""

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from xiuhao.core.errors import ServiceError
from xiuhao.core.imports import RowOutcome, RowPipeline, _error, _text

from . import services


class ContractChildPipeline(RowPipeline):
    """Rows of a model belonging to a contract, upserted by (contract, `second`)."""

    second = "device"

    def map_headers(self, keys, row=1):
        positions, errors = super().map_headers(keys, row)
        if "contract" not in {name for _index, name in positions}:
            errors.insert(0, _error(row, self.header("contract"), _(
                "The column “%(name)s” is missing; it identifies the records.") % {"name": self.header("contract")}))
        return positions, errors

    def _values(self, number, raw, out):
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

    def second_value(self, data, err):
        """The second key column's value for the lookup (None after reporting an error)."""
        return data[self.second]

    def check(self, number, raw, *, validate_model=True) -> RowOutcome:
        out = RowOutcome(row=number)

        def err(name, message):
            out.errors.append(_error(number, self.label(name), message))

        values = self._values(number, raw, out)
        for name in ("contract", self.second):
            if not _text(values.get(name)):
                err(name, _("This field is required."))
        if out.errors:
            return out
        data, _deferred, failed = self._form_data(values, err, number, defer=False)
        if failed & {"contract", self.second}:
            return out
        second = self.second_value(data, err)
        if second is None:
            return out
        lookup = {"contract_id": data["contract"], self.second: second}
        out.key = f"{_text(values['contract'])} / {_text(values[self.second])}"
        first = self.seen.setdefault("__pair__", {}).setdefault((str(data["contract"]), str(second)), number)
        if first != number:
            err(self.second, _("“%(value)s” also appears in row %(row)s.") % {"value": out.key, "row": first})
            return out
        existing = self.config.queryset(self.user, "change").filter(**lookup).first()
        if existing is None and self.model._default_manager.filter(**lookup).exists():
            err(self.second, _("A record with this key exists, but you may not change it."))
            return out
        if existing is None and not self.can_add:
            err(self.second, _("You may not add new records."))
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
            if not out.errors:
                self._domain_rules(out, existing, err)
        return out

    def _domain_rules(self, out, existing, err):
        """The services' own rules, so that the preview reports what the apply step would refuse."""
        obj = existing if existing is not None else self.model()
        for name, value in out.data.items():
            setattr(obj, name, value)
        try:
            self.rules(obj)
        except ServiceError as exc:
            for name, messages in (exc.fields or {"": [exc.message]}).items():
                for message in messages:
                    err(name, message)

    def rules(self, obj):
        raise NotImplementedError


class CoveredDevicePipeline(ContractChildPipeline):
    second = "device"

    def second_value(self, data, err):
        return int(data["device"])

    def rules(self, link):
        services.check_link(link)


class PaymentPlanPipeline(ContractChildPipeline):
    second = "due_date"

    def second_value(self, data, err):
        day = parse_date(str(data["due_date"]))
        if day is None:
            err("due_date", _("Enter a date as YYYY-MM-DD."))
        return day

    def rules(self, plan):
        services.check_instalment(plan)
