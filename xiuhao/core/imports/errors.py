"""What an import refuses: the errors a user or client sees, and the shape of a row's error."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import ServiceError, ValidationFailed


class InvalidFile(ServiceError):
    code = "invalid_file"
    default_message = gettext_lazy("The file is not an Excel workbook (.xlsx).")


class RowsInvalid(ValidationFailed):
    """Some rows are wrong; the error body lists them as {"row", "field", "message"}."""

    def __init__(self, rows, count=None):
        count = len(rows) if count is None else count
        super().__init__(message=_("%(count)s errors were found; nothing was imported.") % {"count": count})
        self.rows = rows

    def as_dict(self):
        body = super().as_dict()
        body["rows"] = self.rows
        return body


class ImportFailed(ServiceError):
    code = "import_failed"
    default_message = gettext_lazy("The import failed; nothing was written.")

    @classmethod
    def at(cls, error):
        """The failure of a whole import at one row's error ({"row", "field", "message"})."""
        return cls(row_message(error))


def row_error(row, field_label, message) -> dict:
    """One error of a row as pages, the API and the errors workbook list it."""
    return {"row": row, "field": str(field_label or ""), "message": str(message)}


def row_message(error) -> str:
    """A row's error as one sentence ("Row 3, Serial: …")."""
    if error.get("field"):
        return _("Row %(row)s, %(field)s: %(message)s") % error
    return _("Row %(row)s: %(message)s") % error
