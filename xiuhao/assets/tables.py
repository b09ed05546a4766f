"""The device list's table: the registry's table plus a selection column, inside a form that
prints QR labels for the selected rows or for every filtered row."""

import django_tables2 as tables
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xiuhao.core.tables import build_table


class SelectColumn(tables.CheckBoxColumn):
    @property
    def header(self):
        return _("Select")


def device_table(config):
    base = build_table(config)

    class Meta(base.Meta):
        sequence = ["ids", *config.list_fields, "actions"]
        template_name = "assets/device_table.html"

    def map_url(self):
        try:
            return reverse("map_devices")
        except NoReverseMatch:  # the map page arrives with the customers module
            return ""

    return type("DeviceTable", (base,), {
        "ids": SelectColumn(accessor="pk", orderable=False, attrs={
            "td__input": {"aria-label": _("Select"), "data-testid": "select-device"}}),
        "Meta": Meta,
        "map_url": property(map_url),
    })
