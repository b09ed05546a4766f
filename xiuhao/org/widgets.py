"""The role form's permission matrix: one row per model (menu), one column per operation."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
        rows = {}
        codes = [code for code, _label in ACTIONS]
        for _group, options, _index in context["widget"]["optgroups"]:
            for option in options:
                perm = option["value"].instance
                model = perm.content_type.model_class()
                row = rows.setdefault(perm.content_type_id, {
                    "label": model._meta.verbose_name_plural if model else perm.content_type.model,
                    "cells": {}, "other": [],
                })
                action = perm.codename.split("_", 1)[0]
                option["label"] = gettext(perm.name)  # names are stored in English; most are msgids
                if action in codes and perm.codename == f"{action}_{perm.content_type.model}":
                    row["cells"][action] = option
                else:
                    row["other"].append(option)
        context["matrix"] = {
            "columns": [label for _code, label in ACTIONS],
            "rows": [
                {"label": r["label"], "cells": [r["cells"].get(code) for code in codes], "other": r["other"]}
                for r in rows.values()
            ],
        }
        return context
