"""Reading uploaded workbooks (core.reading.open_sheet, calamine): the cell values the import
pipelines get must be those a user typed, wherever the table starts and however Excel stored it."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook

from xiuhao.core.imports import reading


def book(fill):
    wb = Workbook()
    fill(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def read(buffer):
    with reading.open_sheet(buffer) as sheet:
        return list(sheet.rows()), sheet.max_row


def test_cells_come_as_typed_from_row_1_and_column_a():
    def fill(wb):
        ws = wb.active
        ws["B1"], ws["C1"], ws["D1"] = "序列号", "安装日期", "数量"
        ws["B2"], ws["C2"], ws["D2"] = 12345678, datetime.datetime(2026, 3, 31), 1.5
        ws["B4"], ws["C4"], ws["D4"] = "SN-2", datetime.datetime(2026, 3, 31, 8, 30), True

    rows, max_row = read(book(fill))
    assert max_row == 4
    assert rows[0] == (None, "序列号", "安装日期", "数量")
    # a serial typed as a number stays a whole number (never "12345678.0"); a date is a date
    assert rows[1] == (None, 12345678, datetime.date(2026, 3, 31), 1.5)
    assert type(rows[1][1]) is int
    assert rows[2] == (None, None, None, None)  # the empty row keeps its place: row numbers stay Excel's
    assert rows[3] == (None, "SN-2", datetime.datetime(2026, 3, 31, 8, 30), True)


def test_rows_above_the_first_value_are_kept_so_that_row_numbers_match_excel():
    def fill(wb):
        wb.active["A3"] = "序列号"

    rows, max_row = read(book(fill))
    assert rows == [(None,), (None,), ("序列号",)] and max_row == 3


def test_an_empty_sheet_has_no_rows():
    rows, max_row = read(book(lambda wb: None))
    assert rows == [] and max_row == 0


def test_the_first_worksheet_is_read_even_behind_a_chart_sheet():
    def fill(wb):
        wb.active["A1"] = "序列号"
        wb.create_chartsheet("图表", 0)

    rows, _max_row = read(book(fill))
    assert rows == [("序列号",)]


def test_a_damaged_workbook_is_refused_with_a_message():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<not-a-workbook")
    buffer.seek(0)
    with pytest.raises(reading.InvalidFile) as raised:
        read(buffer)
    assert "Excel" in str(raised.value.message)
