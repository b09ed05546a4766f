"""Excel export of registered models (openpyxl write-only, streamed row by row)."""

import datetime
import decimal
import io

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

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


def workbook_response(wb, filename):
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_response(config, rows, user=None):
    """The sheet of `rows`: the config's export columns `user` may see (core.visibility; an
    importable model's are the columns its import reads back, ModelConfig.export_columns)."""
    columns = config.export_columns(user)
    fields = [path for path, _header in columns]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(config.verbose_name_plural)[:31])
    ws.append([header for _path, header in columns])
    # Prefetch only the many-to-many columns the export shows (the list's prefetches may be for
    # columns the sheet has not got).
    m2m = [f for f in fields if "__" not in f and config.model._meta.get_field(f).many_to_many]
    rows = rows.prefetch_related(None).prefetch_related(*m2m)
    count = 0
    for obj in rows.iterator(chunk_size=2000):
        ws.append([config.export_cell(obj, f, user) for f in fields])
        count += 1
    return workbook_response(wb, filename_for(config)), count
