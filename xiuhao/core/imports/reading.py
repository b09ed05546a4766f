"""Reading an uploaded workbook: the .xlsx check, its first worksheet read with calamine (`Sheet`),
and its rows as {header: cell} dicts for a pipeline."""

import re
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


_REF = re.compile(r"([A-Z]{1,3})?(\d+)?")
_CHUNK = 64 * 1024


def _ref(ref):
    """(row, column), 1-based, of a cell reference such as "XFD1048576"; None for what is missing."""
    m = _REF.fullmatch((ref or "").strip().upper())
    if not m:
        return None, None
    col = 0
    for ch in m.group(1) or "":
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)) if m.group(2) else None), (col or None)


class _TooBig(Exception):
    pass


def _scan_sheet(stream, max_cells):
    """Stream a worksheet's XML (expat, no DTD allowed) and stop as soon as the grid calamine
    would build — from A1 to the farthest cell, or to the <dimension> the sheet declares — or the
    number of cells passes `max_cells`. Cells without an r="…" attribute are placed as Excel does
    (the next row, the next column)."""
    import xml.parsers.expat

    state = {"row": 0, "col": 0, "max_row": 0, "max_col": 0, "cells": 0}

    def grow(row, col):
        state["max_row"] = max(state["max_row"], row)
        state["max_col"] = max(state["max_col"], col)
        if state["max_row"] * state["max_col"] > max_cells:
            raise _TooBig

    def start(name, attrs):
        name = name.rpartition(":")[2]
        if name == "c":
            row, col = _ref(attrs.get("r"))
            state["col"] = col or state["col"] + 1
            state["cells"] += 1
            if state["cells"] > max_cells:
                raise _TooBig
            grow(row or state["row"], state["col"])
        elif name == "row":
            row, _col = _ref(attrs.get("r"))
            state["row"] = row or state["row"] + 1
            state["col"] = 0
            grow(state["row"], 1)
        elif name == "dimension":
            for part in (attrs.get("ref") or "").split(":"):
                row, col = _ref(part)
                grow(row or 1, col or 1)

    def no_dtd(*_args):
        raise ValueError("DTD in a worksheet")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _count_strings(stream, max_strings):
    import xml.parsers.expat

    count = [0]

    def start(name, attrs):
        if name.rpartition(":")[2] == "si":
            count[0] += 1
            if count[0] > max_strings:
                raise _TooBig

    def no_dtd(*_args):
        raise ValueError("DTD in the shared strings")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def check_bounds(fileobj):
    """Refuse, before calamine builds anything, a workbook whose reading would cost more memory
    than an import may take: calamine holds a worksheet as a dense grid from A1 to its farthest
    cell (and reserves what the sheet's <dimension> declares), so a 2 KB file naming XFD1048576
    would ask for hundreds of GiB. Bounded: every member's packing ratio (zip bombs), the grid of
    every worksheet (rows × columns, IMPORT_MAX_CELLS), its number of cells, and the number of
    shared strings (IMPORT_MAX_STRINGS). Used by the web upload and by the job worker alike."""
    max_cells = getattr(settings, "IMPORT_MAX_CELLS", 3_000_000)
    max_strings = getattr(settings, "IMPORT_MAX_STRINGS", 3_000_000)
    max_ratio = getattr(settings, "IMPORT_MAX_RATIO", 200)
    max_unpacked = getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024)
    too_big = _("The workbook is too large to import: at most %(cells)s cells (rows × columns from A1 to the "
                "last cell) and %(strings)s different texts. Delete the empty rows and columns below and to "
                "the right of the data (or split the file) and try again.") % {
        "cells": f"{max_cells:,}", "strings": f"{max_strings:,}"}
    unreadable = _("The file could not be read as an Excel workbook.")
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > max_unpacked:
                raise InvalidFile(_("The workbook is too large once unpacked."))
            for info in infos:
                if info.file_size > 1024 * 1024 and info.file_size > max_ratio * max(info.compress_size, 1):
                    raise InvalidFile(too_big)
            for info in infos:
                name = info.filename.lower()
                try:
                    if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                        with zf.open(info) as stream:
                            _scan_sheet(stream, max_cells)
                    elif name == "xl/sharedstrings.xml":
                        with zf.open(info) as stream:
                            _count_strings(stream, max_strings)
                except _TooBig as exc:
                    raise InvalidFile(too_big) from exc
    except InvalidFile:
        raise
    except Exception as exc:  # a damaged zip, bad XML, a DTD, …
        raise InvalidFile(unreadable) from exc
    finally:
        fileobj.seek(0)


@contextmanager
def open_sheet(fileobj):
    """The workbook's first worksheet (see Sheet). Anything calamine cannot read is InvalidFile."""
    unreadable = _("The file could not be read as an Excel workbook.")
    check_bounds(fileobj)
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
