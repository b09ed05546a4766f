"""Reading an uploaded workbook: the .xlsx check, its first worksheet read with calamine (`Sheet`),
and its rows as {header: cell} dicts for a pipeline."""

import zipfile
from contextlib import contextmanager
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook, SheetTypeEnum

from .errors import InvalidFile, row_error
from .pipeline import cell_text


def check_xlsx(upload):
    """The upload must really be an .xlsx workbook (a zip holding xl/…), of a sane size."""
    if upload is None:
        raise InvalidFile(_("Choose an Excel file (.xlsx) to import."))
    name = PurePath(str(upload.name or "").replace("\\", "/")).name
    if not name.lower().endswith(".xlsx"):
        raise InvalidFile(_("Only Excel workbooks (.xlsx) can be imported; “%(name)s” is not one.") % {"name": name})
    max_bytes = getattr(settings, "IMPORT_MAX_BYTES", 50 * 1024 * 1024)
    if upload.size and upload.size > max_bytes:
        raise InvalidFile(_("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)})
    not_xlsx = _("“%(name)s” is not an Excel workbook (.xlsx); save it from Excel as .xlsx and try again.") % {
        "name": name}
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as zf:
            names = set(zf.namelist())
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidFile(not_xlsx) from exc
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise InvalidFile(not_xlsx)
    if unpacked > getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024):
        raise InvalidFile(_("The workbook is too large once unpacked."))


class Sheet:
    """The first worksheet of an uploaded workbook, read with calamine (Rust; ≈ 7 × faster than
    openpyxl's read-only mode, which is what makes a 100 000-row import affordable). Formulas
    come as their cached values. `rows()` yields tuples from column A and row 1 with the values
    openpyxl would give: an empty cell is None and a whole number is an int (a serial typed as
    a number must not turn into “123.0”). A date cell comes as a date (or a datetime when it has
    a time of day); error cells (#N/A) come as None."""

    def __init__(self, sheet):
        self._sheet = sheet
        end = sheet.end
        self.max_row = end[0] + 1 if end else 0  # the last row holding a value (1-based)

    def rows(self, min_row=1):
        start = self._sheet.start
        if start is None:  # nothing in the sheet
            return
        pad = (None,) * start[1]  # calamine's rows begin at the first column holding a value
        # …and at row 1: calamine's iterator yields empty rows above the first value itself
        for number, row in enumerate(self._sheet.iter_rows(), start=1):
            if number >= min_row:
                yield (*pad, *[None if v == "" else int(v) if type(v) is float and v.is_integer() else v
                               for v in row])


@contextmanager
def open_sheet(fileobj):
    """The workbook's first worksheet (see Sheet). Anything calamine cannot read is InvalidFile."""
    unreadable = _("The file could not be read as an Excel workbook.")
    try:
        fileobj.seek(0)
        wb = CalamineWorkbook.from_filelike(fileobj)
        index = next((i for i, meta in enumerate(wb.sheets_metadata) if meta.typ == SheetTypeEnum.WorkSheet), None)
        if index is None:
            raise InvalidFile(_("The workbook has no worksheet."))
        sheet = Sheet(wb.get_sheet_by_index(index))
    except InvalidFile:
        raise
    except Exception as exc:  # calamine's own errors: damaged zip, bad XML, …
        raise InvalidFile(unreadable) from exc
    except BaseException as exc:  # a Rust panic (pyo3's PanicException) on a malformed file
        if type(exc).__name__ != "PanicException":
            raise
        raise InvalidFile(unreadable) from exc
    try:
        yield sheet
    finally:
        wb.close()


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def excel_rows(pipeline, ws):
    """(header errors, iterator of (Excel row number, {header: cell})). Empty rows are skipped."""
    it = ws.rows()
    header = next(it, None)
    if header is None or all(_blank(v) for v in header):
        return [row_error(1, "", _("The sheet is empty: row 1 must hold the column names."))], iter(())
    positions, errors = pipeline.map_headers([cell_text(h) for h in header])
    keys = [pipeline.labels[name] for _i, name in positions]
    indexes = [i for i, _name in positions]
    width = max(indexes, default=-1) + 1

    def rows():
        for number, values in enumerate(it, start=2):
            if all(_blank(v) for v in values):
                continue
            if len(values) < width:
                values = (*values, *([None] * (width - len(values))))
            yield number, dict(zip(keys, [values[i] for i in indexes], strict=True))

    return errors, rows()


def count_rows(ws) -> int:
    """Data rows in the sheet: rows below the header down to the last one holding a value (empty
    rows in between count; they are skipped when the rows are read)."""
    return max(ws.max_row - 1, 0)
