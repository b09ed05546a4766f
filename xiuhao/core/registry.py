"""The model registry: one declaration per model yields its pages, API, menu entry, export,
import and the generic tests.

    @register
    class BranchConfig(ModelConfig):
        model = Branch
        menu = "org"
        list_fields = ["code", "name", "region", "status"]
        search_fields = ["code", "name"]
        filter_fields = ["status", "region"]
        form_fields = ["code", "name", "region", "address", "phone", "status"]
        natural_key = "code"            # enables Excel import (upsert by this field)

Everything else (FilterSet, Table, ModelForm, Serializer, ViewSet, URLs) is derived unless the
config names its own class. Writes go through `create/update/delete`, which default to the
generic services in core.services; a domain config overrides them with its own services.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import services
from .contributions import Contributions, discover


@dataclass
class MenuSection:
    key: str
    label: str
    icon: str
    order: int


@dataclass
class Tab:
    """An extra tab on a detail page: `template` is rendered with the object and `context(obj,
    request)`'s result."""

    key: str
    label: str
    template: str
    context: object = None
    permission: str | None = None


@dataclass
class Action:
    """A button on a record's detail page that opens its own page: `view(request, config, obj)`
    is called with a record the user may see; `permission` is required for the button and page."""

    key: str
    label: str
    view: object
    permission: str | None = None


@dataclass
class Registry(Contributions):
    """The registered models, plus what the apps contribute to the shell, to shared field types,
    to core's ports and to the demo (core.contributions)."""

    configs: dict = field(default_factory=dict)
    sections: dict = field(default_factory=dict)
    searchable: dict = field(default_factory=dict)
    choices_without_view_permission: set = field(default_factory=set)
    contributed_tabs: dict = field(default_factory=dict)
    _discovered: bool = False

    def add_tab(self, model_label, tab):
        """Another app adds a tab to a model's detail page (e.g. the contracts app adds
        "Contracts" to the customer's 360° page). `model_label` is "app_label.modelname"."""
        self.contributed_tabs.setdefault(model_label.lower(), []).append(tab)

    def tabs_for(self, config):
        return list(config.tabs) + self.contributed_tabs.get(config.key, [])

    def choices_search(self, model, search_fields, *, without_view_permission=False):
        """Related-record selects of `model` become autocompletes searching `search_fields`
        (for tables too large to list in a page). The autocomplete answers users holding the
        model's view permission only (others get the 404 of an unknown model), unless
        `without_view_permission` — for pickers every user's forms need (a colleague to transfer a
        task to, a region), still limited by the model's `for_choices(user)`."""
        self.searchable[model._meta.label_lower] = list(search_fields)
        if without_view_permission:
            self.choices_without_view_permission.add(model._meta.label_lower)

    def search_fields_for_choices(self, model):
        return self.searchable.get(model._meta.label_lower)

    def register(self, config_cls):
        config = config_cls()
        self.configs[config.key] = config
        return config_cls

    def section(self, key, label, icon="folder", order=50):
        self.sections[key] = MenuSection(key, label, icon, order)

    def autodiscover(self):
        if self._discovered:
            return
        self._discovered = True
        discover("registry")

    def for_model(self, model):
        return self.configs.get(f"{model._meta.app_label}.{model._meta.model_name}")

    def __iter__(self):
        return iter(self.configs.values())


registry = Registry()
registry.section("system", _("System"), "settings", 90)


def register(config_cls):
    return registry.register(config_cls)


class ModelConfig:
    model = None
    menu = "system"
    menu_order = 100
    menu_label = None  # defaults to the model's verbose_name_plural
    icon = "point"
    list_fields: list = []
    search_fields: list = []
    filter_fields: list = []
    form_fields: list = []
    detail_fields: list | None = None
    export_fields: list | None = None
    api_fields: list | None = None  # read-only models: fields the API shows (default: detail + list fields)
    import_fields: list | None = None
    # {field: fn(value) -> text}: how a stored code reads for people when its labels live in a
    # registry rather than in the field's choices (e.g. the task type). Detail page and export.
    value_labels: dict = {}
    natural_key: str | None = None
    ordering: list | None = None
    select_related: list = []
    prefetch_related: list = []
    tabs: list = []
    actions: list = []
    attachments = False
    api = True
    pages = True
    deletable = True
    # Coded refusals (core.moves.Refusal) the writes may answer with, per API action ("create",
    # "update", "destroy"), documented in the schema beside the common codes.
    refusals: dict = {}
    # {field: "app_label.codename"}: fields shown only to users holding the permission (cost,
    # contract amounts); pages, API, export, import, filters, search and the log honour it
    # (core.visibility).
    sensitive_fields: dict = {}

    filterset_class = None
    table_class = None
    form_class = None
    serializer_class = None

    # -- identity -------------------------------------------------------------------------
    @property
    def key(self):
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    @property
    def app_label(self):
        return self.model._meta.app_label

    @property
    def model_name(self):
        return self.model._meta.model_name

    @property
    def url_prefix(self):
        return f"{self.app_label}/{self.model_name}"

    def url_name(self, action):
        return f"{self.app_label}_{self.model_name}_{action}"

    def url(self, action, obj=None, **kwargs):
        if obj is not None:
            kwargs["pk"] = obj.pk
        return reverse(self.url_name(action), kwargs=kwargs or None)

    def perm(self, action):
        return f"{self.app_label}.{action}_{self.model_name}"

    @property
    def verbose_name(self):
        return self.model._meta.verbose_name

    @property
    def verbose_name_plural(self):
        return self.menu_label or self.model._meta.verbose_name_plural

    @property
    def title(self):
        """The plural as a heading, menu entry or breadcrumb ("Contracts"; in a sentence use
        verbose_name_plural)."""
        return capfirst(self.verbose_name_plural)

    @property
    def importable(self):
        return bool(self.natural_key and self.get_import_fields())

    def get_import_fields(self):
        return self.import_fields if self.import_fields is not None else list(self.form_fields)

    def get_export_fields(self):
        return self.export_fields if self.export_fields is not None else list(self.list_fields)

    def get_detail_fields(self):
        return self.detail_fields if self.detail_fields is not None else list(self.form_fields)

    def value_label(self, obj, name):
        """The text of `obj.<name>` for people, if `value_labels` names the field; else None."""
        label = self.value_labels.get(name)
        return None if label is None else label(getattr(obj, name))

    def visible_fields(self, names, user):
        """`names` (field paths) without those `user` may not see (core.visibility)."""
        from .visibility import visible

        return visible(self.model, names, user)

    def export_columns(self, user=None):
        """[(field path, header)] of the export `user` gets. An importable model's export is a
        sheet its import reads back (core.imports.columns: key columns as the import reads them,
        names beside keys, other columns for reading only)."""
        if self.importable:
            from .imports.columns import export_columns

            return [(c.path, c.header) for c in export_columns(self, user)]
        from .excel import header_for

        return [(f, header_for(self.model, f)) for f in self.visible_fields(self.get_export_fields(), user)]

    def export_cell(self, obj, name, user):
        """The Excel cell of `obj.<name>` for `user` (a config may override it for one column)."""
        from .excel import cell_value

        if name in self.value_labels:
            return self.value_label(obj, name)
        if self.natural_key and "__" not in name and self.model._meta.get_field(name).many_to_many:
            from .imports.pipeline import related_key  # the keys the import reads, not the names

            f = self.model._meta.get_field(name)
            key = related_key(f.related_model) or "pk"
            return "、".join(str(getattr(o, key)) for o in getattr(obj, name).all())
        return cell_value(obj, name)

    # -- status moves (core.moves) ------------------------------------------------------------
    @property
    def machine(self):
        from .moves import machine_of

        return machine_of(self.model)

    def page_moves(self):
        """Declared moves that have a page and an API endpoint."""
        return self.machine.user_moves() if self.machine else []

    def moves_available(self, user, obj):
        """The buttons of the detail page: the moves with a page that `user` may make on `obj` now."""
        return [m for m in self.page_moves() if self.machine.may(user, obj, m.name)]

    # -- reads ----------------------------------------------------------------------------
    def base_queryset(self):
        qs = self.model._default_manager.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        if self.ordering:
            qs = qs.order_by(*self.ordering)
        return qs

    def queryset(self, user, action="view"):
        """The rows `user` may act on: permission for `action` + data scope."""
        return self.base_queryset().restrict(user, action)

    # -- writes (override with domain services) ---------------------------------------------
    def create(self, *, actor, data):
        return services.object_create(actor=actor, model=self.model, data=data)

    def update(self, *, actor, obj, data):
        return services.object_update(actor=actor, obj=obj, data=data)

    def delete(self, *, actor, obj):
        return services.object_delete(actor=actor, obj=obj)

    # -- derived classes ----------------------------------------------------------------------
    @cached_property
    def filterset(self):
        if self.filterset_class:
            return self.filterset_class
        from .filtersets import build_filterset

        return build_filterset(self)

    @cached_property
    def table(self):
        if self.table_class:
            return self.table_class
        from .tables import build_table

        return build_table(self)

    @cached_property
    def form(self):
        if self.form_class:
            return self.form_class
        from .forms import build_form

        return build_form(self)

    @cached_property
    def serializer(self):
        if self.serializer_class:
            return self.serializer_class
        from .api import build_serializer

        return build_serializer(self)

    def extra_urls(self):
        """Additional URL patterns of this model's pages (e.g. a custom action)."""
        return []
