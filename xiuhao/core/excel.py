"""Excel export of registered models (openpyxl write-only, streamed row by row)."""

import datetime
import decimal
import tempfile

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def field_for_path(model, path):
    current = model
    field = None
    for part in path.split("__"):
        field = current._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    return field


def header_for(model, path):
    return str(field_for_path(model, path).verbose_name)


def cell_value(obj, path):
    value = obj
    for part in path.split("__"):
        if value is None:
            return ""
        field = value._meta.get_field(part)
        if field.many_to_many:
            return "、".join(str(o) for o in getattr(value, part).all())
        if getattr(field, "choices", None) and not field.is_relation:
            value = getattr(value, f"get_{part}_display")()
        else:
            value = getattr(value, part)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | decimal.Decimal | datetime.date):
        return value
    return str(value)


def filename_for(config):
    return f"{config.model_name}-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx"


def clean_text(value):
    """`value` without the control characters an .xlsx cannot hold (U+0000–U+001F but tab, LF and
    CR): stored data must never make an export fail."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def safe_row(ws, values):
    """`values` ready for `ws.append` on a write-only sheet: texts cleaned (clean_text) and always
    written as text cells, never formulas, whatever they begin with (= + - @ tab CR; OWASP CSV
    injection): a text cell keeps exactly what the user typed, so the import reads it back."""
    row = []
    for value in values:
        if isinstance(value, str):
            value = clean_text(value)
            if value[:1] == "=":  # the only text openpyxl would turn into a formula
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                value = cell
        row.append(value)
    return row


def workbook_response(wb, filename):
    """The workbook as a download. A write-only workbook already keeps its rows in a temporary
    file; it is zipped to another one and only the packed file (≈ 50 bytes a row) is held."""
    with tempfile.TemporaryFile() as spool:
        wb.save(spool)
        spool.seek(0)
        response = HttpResponse(spool.read(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_relations(model, fields):
    """The forward one-to-one / foreign-key chains the export `fields` walk: selected with the rows
    so that a row costs no query (core/tests/test_nplusone.py checks every export)."""
    paths = set()
    for path in fields:
        current, chain = model, []
        for part in path.split("__"):
            try:
                field = current._meta.get_field(part)
            except Exception:  # a computed column (value_labels) named after no field
                break
            if not (field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete):
                break
            chain.append(part)
            current = field.related_model
        if chain:
            paths.add("__".join(chain))
    return sorted(paths)


def export_response(config, rows, user=None):
    """The sheet of `rows`: the config's export columns `user` may see (core.visibility; an
    importable model's are the columns its import reads back, ModelConfig.export_columns)."""
    columns = config.export_columns(user)
    fields = [path for path, _header in columns]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(config.verbose_name_plural)[:31])
    ws.append(safe_row(ws, [header for _path, header in columns]))
    # Prefetch only the many-to-many columns the export shows (the list's prefetches may be for
    # columns the sheet has not got).
    m2m = [f for f in fields if "__" not in f and config.model._meta.get_field(f).many_to_many]
    rows = rows.prefetch_related(None).prefetch_related(*m2m)
    related = [*export_relations(config.model, fields), *getattr(config, "export_select_related", ())]
    if related:
        rows = rows.select_related(*related)
    count = 0
    for obj in rows.iterator(chunk_size=2000):
        ws.append(safe_row(ws, [config.export_cell(obj, f, user) for f in fields]))
        count += 1
    return workbook_response(wb, filename_for(config)), count
