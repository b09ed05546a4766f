"""The workbooks an import hands out: the template to fill in (headers, choice lists, notes) and
the list of a job's errors."""

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import excel
from .pipeline import import_field_names, related_key


def template_workbook(config, user=None):
    """The import template: one header row (field names in the user's language), validation
    lists for choices and yes/no columns, and a notes sheet."""
    names = import_field_names(config, user)
    model = config.model
    form = config.form()
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\\/?*\[\]:]", "", str(config.verbose_name_plural))[:31] or "Sheet1"
    ws.append([excel.header_for(model, n) for n in names])
    notes = wb.create_sheet(re.sub(r"[\\/?*\[\]:]", "", _("Notes"))[:31])
    notes.append([_("Column"), _("Required"), _("Format"), _("Allowed values")])
    bold = Font(bold=True)
    required_font = Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="F2F2F2")
    for index, name in enumerate(names, start=1):
        f = model._meta.get_field(name)
        ff = form.fields.get(name) or f.formfield()
        required = name == config.natural_key or bool(ff and ff.required)
        cell = ws.cell(row=1, column=index)
        cell.font = required_font if required else bold
        cell.fill = fill
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(12, min(40, len(str(cell.value)) * 2 + 4))
        fmt, allowed = _describe(f)
        notes.append([excel.header_for(model, name), str(_("Yes") if required else _("No")), fmt, allowed])
        if isinstance(f, models.DateTimeField):
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(f, models.DateField):
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        choices = None
        if f.choices and not f.is_relation:
            choices = [str(label) for value, label in f.flatchoices if value not in (None, "")]
        elif isinstance(f, models.BooleanField):
            choices = ["是", "否"]
        formula = '"' + ",".join(choices) + '"' if choices else ""
        if choices and len(formula) <= 255 and not any("," in c or '"' in c for c in choices):
            dv = DataValidation(type="list", formula1=formula, allow_blank=True)
            dv.add(f"{letter}2:{letter}{getattr(settings, 'IMPORT_TEMPLATE_ROWS', 5000)}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    notes.append([])
    for line in (
        _("Row 1 holds the column names; enter one record per row from row 2. Red columns are required."),
        _("Records are matched by “%(key)s”: an existing key updates that record, a new key creates one.")
        % {"key": excel.header_for(model, config.natural_key)},
        _("An empty cell clears the value; leave a column out of the sheet to keep the stored values."),
        _("Nothing is written until every row is valid and you confirm the import."),
    ):
        notes.append([line])
    for cell in notes[1]:
        cell.font = bold
        cell.fill = fill
    for letter, width in (("A", 20), ("B", 8), ("C", 50), ("D", 50)):
        notes.column_dimensions[letter].width = width
    return wb


def _describe(f):
    """(format text, allowed values) of one column for the notes sheet."""
    if f.many_to_many or f.is_relation:
        related = f.related_model
        key = related_key(related)
        key_label = related._meta.get_field(key).verbose_name if key else "ID"
        if f.many_to_many:
            text = _("%(key)s of the %(model)s, several separated by “,” or “、”")
        else:
            text = _("%(key)s of the %(model)s")
        return text % {"key": key_label, "model": related._meta.verbose_name}, ""
    if f.choices:
        allowed = "、".join(f"{label}（{value}）" for value, label in f.flatchoices if value not in (None, ""))
        return _("One of the allowed values (label or code)"), allowed
    if isinstance(f, models.BooleanField):
        return _("Yes or no: 是/否, true/false, 1/0"), "是、否"
    if isinstance(f, models.DateTimeField):
        return _("Date and time (YYYY-MM-DD HH:MM)"), ""
    if isinstance(f, models.DateField):
        return _("Date (YYYY-MM-DD)"), ""
    if isinstance(f, models.IntegerField):
        return _("Whole number"), ""
    if isinstance(f, models.DecimalField | models.FloatField):
        return _("Number"), ""
    if getattr(f, "max_length", None):
        return _("Text, at most %(max)s characters") % {"max": f.max_length}, ""
    return _("Text"), ""



def errors_workbook(job_row):
    """A job's errors as a workbook (row, column, error) to fix the file by."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors")[:31])
    ws.append([_("Row"), _("Column"), _("Error")])
    for e in job_row.errors:
        ws.append(excel.safe_row(ws, [e.get("row"), e.get("field"), e.get("message")]))
    return wb
