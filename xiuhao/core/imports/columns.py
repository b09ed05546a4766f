"""The columns an export of an importable model writes, so that an exported sheet, edited in
Excel, is a file the import reads back:

* every import column, under the header the import reads (the field's name in the user's
  language), holding what the import reads: a related record's natural key (a customer's code,
  a user's username), several keys for a many-to-many column, a choice's label, 是/否;
* beside a related record's key, its name (“客户名称”) where the key alone says little;
* the config's other export columns (a customer's region, a contract's status): written for
  reading only.

The import ignores the name and read-only columns of its own export (`readonly_headers`), so a
sheet comes back as it went out. A pipeline may say where the value of one of its columns is
read from (`export_paths`, e.g. a BOM line's parent part: {"parent": "parent__part__code"}).
"""

from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.translation import pgettext

from .. import excel
from .pipeline import LANGUAGES, _norm, import_field_names, related_key

NAME_FIELDS = ("name", "display_name", "title")


@dataclass(frozen=True)
class ExportColumn:
    path: str  # the field path the cell is read from (core.excel.cell_value)
    header: str
    readonly: bool = False  # not read by the import (a name beside a key, a computed value)


def _pipeline_class(config):
    from .pipeline import RowPipeline

    return getattr(config, "import_pipeline", None) or RowPipeline


def _model_of(model, path):
    """The model holding the last field of `path`."""
    current = model
    for part in path.split("__")[:-1]:
        current = current._meta.get_field(part).related_model
    return current


def key_path(config, name) -> str:
    """The path of the value the import reads in column `name`."""
    override = getattr(_pipeline_class(config), "export_paths", {}).get(name)
    if override:
        return override
    f = config.model._meta.get_field(name)
    if f.is_relation and not f.many_to_many:
        return f"{name}__{related_key(f.related_model) or f.related_model._meta.pk.attname}"
    return name


def _name_path(model, path) -> str | None:
    """The path of the name beside a key path ("customer__code" → "customer__name")."""
    if "__" not in path:
        return None
    head, last = path.rsplit("__", 1)
    owner = _model_of(model, path)
    for candidate in NAME_FIELDS:
        if candidate == last:
            return None
        try:
            owner._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        return f"{head}__{candidate}"
    return None


def export_columns(config, user=None) -> list[ExportColumn]:
    """The columns of `config`'s export for `user` (fields the user may not see left out)."""
    model = config.model
    imported = import_field_names(config, user)
    columns, done = [], set()

    def add_import_column(name):
        done.add(name)
        path = key_path(config, name)
        columns.append(ExportColumn(path, excel.header_for(model, name)))
        beside = _name_path(model, path)
        if beside and config.visible_fields([beside], user):
            columns.append(ExportColumn(beside, pgettext("export column", "%(relation)s %(name)s") % {
                "relation": excel.header_for(model, name), "name": excel.header_for(model, beside)}, readonly=True))

    for path in config.visible_fields(config.get_export_fields(), user):
        if path in done:
            continue
        if path in imported:
            add_import_column(path)
        else:
            done.add(path)
            columns.append(ExportColumn(path, excel.header_for(model, path), readonly=True))
    for name in imported:
        if name not in done:
            add_import_column(name)
    return columns


def readonly_headers(config, user=None) -> set[str]:
    """The headers (compared as the import compares them) of the columns the export writes for
    reading only, in every language: the import skips them."""
    out = set()
    for lang in (*LANGUAGES, None):
        with translation.override(lang) if lang else nullcontext():
            for column in export_columns(config, user):
                if column.readonly:
                    out.add(_norm(column.header))
                    out.add(_norm(column.path))
    return out
