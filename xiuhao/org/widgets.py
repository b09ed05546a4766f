"""The role form's permission matrix: the models grouped by module, one row per model (menu), one
column per operation, the model's other permissions by their translated names."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiuhao.core.permissions import describe

ACTIONS = [
    ("view", _("View")),
    ("add", _("Add")),
    ("change", _("Change")),
    ("delete", _("Delete")),
    ("export", _("Export")),
    ("import", _("Import")),
]


class PermissionMatrixWidget(forms.SelectMultiple):
    template_name = "org/widgets/permission_matrix.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        modules = {}
        codes = [code for code, _label in ACTIONS]
        for _group, options, _index in context["widget"]["optgroups"]:
            for option in options:
                perm = option["value"].instance
                module, record_type, operation, _order = describe(perm)
                row = modules.setdefault(module, {}).setdefault(perm.content_type_id, {
                    "label": record_type, "cells": {}, "other": [],
                })
                option["label"] = operation
                action = perm.codename.split("_", 1)[0]
                if action in codes and perm.codename == f"{action}_{perm.content_type.model}":
                    row["cells"][action] = option
                else:
                    row["other"].append(option)
        context["matrix"] = {
            "columns": [label for _code, label in ACTIONS],
            "groups": [
                {"label": module, "rows": sorted(
                    ({"label": r["label"], "cells": [r["cells"].get(code) for code in codes], "other": r["other"]}
                     for r in rows.values()), key=lambda r: str(r["label"]))}
                for module, rows in sorted(modules.items())
            ],
        }
        return context
