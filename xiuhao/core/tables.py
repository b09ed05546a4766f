"""django-tables2 tables derived from a ModelConfig: first column links to the record, an
操作 column carries the actions the user may take."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ActionsColumn(tables.Column):
    empty_values = ()

    def __init__(self, config, **kwargs):
        self.config = config
        kwargs.setdefault("verbose_name", gettext_lazy("Actions"))
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(**kwargs)

    def render(self, record, table):
        user = table.request.user if getattr(table, "request", None) else None
        links = []
        if self.config.pages and self.config.form_fields and user is not None:
            if user.has_perm(self.config.perm("change")):
                links.append((reverse(self.config.url_name("edit"), args=[record.pk]), "", _("Edit")))
            if self.config.deletable and user.has_perm(self.config.perm("delete")):
                links.append((reverse(self.config.url_name("delete"), args=[record.pk]), "text-danger", _("Delete")))
        return format_html_join(" ", '<a href="{}" class="{}">{}</a>', links) if links else "—"


class RecordColumn(tables.Column):
    """The first column: a link to the record's detail page."""

    def __init__(self, config, **kwargs):
        self.config = config
        super().__init__(**kwargs)

    def render(self, value, record):
        return format_html('<a href="{}">{}</a>', reverse(self.config.url_name("detail"), args=[record.pk]), value)


def build_table(config):
    fields = list(config.list_fields)
    attrs = {}
    if fields:
        first = config.model._meta.get_field(fields[0]) if "__" not in fields[0] else None
        attrs[fields[0]] = RecordColumn(
            config, verbose_name=capfirst(first.verbose_name) if first is not None else fields[0], accessor=fields[0]
        )
    attrs["actions"] = ActionsColumn(config)
    meta = type(
        "Meta",
        (),
        {
            "model": config.model,
            "fields": fields,
            "sequence": [*fields, "actions"],
            "attrs": {"class": "table table-vcenter table-hover card-table"},
            "order_by_field": "sort",
        },
    )
    attrs["Meta"] = meta
    return type(f"{config.model.__name__}Table", (tables.Table,), attrs)
