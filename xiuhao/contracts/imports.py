"""Excel/JSON import of a contract's rows identified by the contract and one more column:
covered devices by (contract no., serial number), payment plans by (contract no., due date) —
composite keys declared on the platform's CompositeKeyPipeline (core.imports). Each row is also
checked against the services' own rules while validating, so that the preview reports what the
apply step would refuse."""

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from xiuhao.core.imports import CompositeKeyPipeline

from . import services


class CoveredDevicePipeline(CompositeKeyPipeline):
    key_fields = ("contract", "device")
    rules = staticmethod(services.check_link)


class PaymentPlanPipeline(CompositeKeyPipeline):
    key_fields = ("contract", "due_date")
    rules = staticmethod(services.check_instalment)

    def key_value(self, name, value):
        if name != "due_date":
            return super().key_value(name, value)
        try:
            day = parse_date(str(value))
        except ValueError:  # well formed, but no such day (2026-02-30)
            day = None
        if day is None:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."))
        return day
