"""Generic pages for registered models: list, detail with tabs, create/edit, delete, export.

Each view is built from a ModelConfig; htmx requests get the partial of the same template.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import EmptyPage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from . import audit, excel, history, moves, visibility
from .errors import ServiceError, ValidationFailed
from .registry import registry

PAGE_SIZES = (10, 20, 50, 100)


def apply_service_error(request, exc: ServiceError, form=None):
    """Render a service error on a page: field errors onto the form, the rest as a message."""
    if form is not None and exc.fields:
        for name, errors in exc.fields.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
        return
    if form is not None:
        form.add_error(None, str(exc.message))
    else:
        messages.error(request, str(exc.message))


def move_page(request, config, obj, *, title, form, perform, intro="", template="core/move.html", extra=None):
    """The page of a detail-page action that asks for a few values (a reason, a date) and calls a
    service: `perform(cleaned_data)`. Done: a message and back to the record's page (or to the
    record the service returned, e.g. a renewal); refused: the service's error on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except ServiceError as exc:
            apply_service_error(request, exc, form)
        else:
            messages.success(request, _("%(what)s: done.") % {"what": title})
            return redirect(config.url("detail", result if isinstance(result, type(obj)) else obj))
    context = {
        "form": form, "object": obj, "config": config, "title": title, "intro": intro,
        "cancel_url": config.url("detail", obj),
        "breadcrumbs": [(config.title, config.url("list")), (str(obj), config.url("detail", obj)),
                        (title, None)],
        **(extra or {}),
    }
    return TemplateResponse(request, template, context, status=400 if form.errors else 200)


class ConfigView(LoginRequiredMixin, View):
    config = None
    action = "view"
    template_name = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm(self.config.perm(self.action)):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, action=None):
        qs = self.config.queryset(self.request.user, action or "view")
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def breadcrumbs(self, obj=None, leaf=None):
        section = self.config.menu
        crumbs = [(registry.sections[section].label, None)] if section in registry.sections else []
        crumbs.append((self.config.title, self.config.url("list")))
        if obj is not None:
            crumbs.append((str(obj), self.config.url("detail", obj) if leaf else None))
        if leaf:
            crumbs.append((leaf, None))
        return crumbs

    def render(self, context, template=None):
        context.setdefault("config", self.config)
        context.setdefault("opts", self.config.model._meta)
        return TemplateResponse(self.request, template or self.template_name, context)


class ObjectListView(ConfigView):
    template_name = "core/list.html"

    def columns_choice(self, table):
        """Column choice 列选择, remembered per user and model in the session."""
        key = f"cols:{self.config.key}"
        available = [(name, col.header) for name, col in table.columns.items() if name != "actions"]
        if "cols" in self.request.GET:
            chosen = [c for c in self.request.GET.getlist("cols") if c in dict(available)]
            self.request.session[key] = chosen or [a[0] for a in available]
        chosen = self.request.session.get(key) or [a[0] for a in available]
        hidden = [name for name, _label in available if name not in chosen]
        return available, chosen, hidden

    def filtered(self):
        qs = self.config.queryset(self.request.user)
        return self.config.filterset(self.request.GET or None, queryset=qs, request=self.request)

    def _table(self, request, rows, secret, per_page):
        table = self.config.table(rows, request=request, exclude=secret)
        available, chosen, hidden = self.columns_choice(table)
        if hidden:
            table.exclude = (*secret, *hidden)
        RequestConfig(request, paginate={"per_page": per_page}).configure(table)
        return table

    def get(self, request, *args, **kwargs):
        filterset = self.filtered()
        rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        if filterset.is_bound and not filterset.is_valid():
            rows = rows.none()
        # Columns of fields the user may not see are left out, with their sorting (core.visibility).
        secret = [f for f in self.config.list_fields if f not in self.config.visible_fields([f], request.user)]
        try:
            per_page = int(request.GET.get("per_page", 20))
        except ValueError:
            per_page = 20
        per_page = per_page if per_page in PAGE_SIZES else 20
        # django-tables2 reads `per_page` and `page` from the query itself (when the table is made
        # and configured): give it only sane values — a negative, zero, huge or non-numeric one, or
        # a page past the end, fell through to the paginator as a 500.
        query = request.GET.copy()
        query["per_page"] = str(per_page)
        try:
            page = int(query.get("page", 1))
        except ValueError:
            page = 1
        query["page"] = str(page if 1 <= page <= 10**6 else 1)
        original, request.GET = request.GET, query
        try:
            try:
                table = self._table(request, rows, secret, per_page)
            except EmptyPage:
                query["page"] = "1"
                table = self._table(request, rows, secret, per_page)
        finally:
            request.GET = original
        available, chosen, hidden = self.columns_choice(table)
        context = {
            "filterset": filterset,
            "table": table,
            "columns_available": available,
            "columns_chosen": chosen,
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "breadcrumbs": self.breadcrumbs(),
            "can_add": request.user.has_perm(self.config.perm("add")),
            "can_export": request.user.has_perm(self.config.perm("export")),
            "can_import": self.config.importable and request.user.has_perm(self.config.perm("import")),
            "query_string": request.GET.urlencode(),
        }
        context["add_url"] = self.config.url("add") if context["can_add"] and self.config.form_fields else ""
        context["can_add"] = bool(context["add_url"])
        context["export_url"] = self.config.url("export") if context["can_export"] else ""
        context["import_url"] = self.config.url("import") if context["can_import"] else ""
        template = self.template_name
        if request.htmx and request.htmx.target == "list-table":
            template = f"{self.template_name}#table"
        return self.render(context, template)


class ObjectExportView(ObjectListView):
    action = "export"

    def _table(self, request, rows, secret, per_page):
        table = self.config.table(rows, request=request, exclude=secret)
        available, chosen, hidden = self.columns_choice(table)
        if hidden:
            table.exclude = (*secret, *hidden)
        RequestConfig(request, paginate={"per_page": per_page}).configure(table)
        return table

    def get(self, request, *args, **kwargs):
        filterset = self.filtered()
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("The filter is not valid; nothing was exported."))
            return redirect(self.config.url("list"))
        rows = filterset.qs
        response, count = excel.export_response(self.config, rows, user=request.user)
        audit.record(
            actor=request.user, action="export", verb=self.config.key,
            message=_("Exported %(count)s rows of %(what)s (%(filters)s)")
            % {"count": count, "what": self.config.verbose_name_plural, "filters": request.GET.urlencode() or "-"},
        )
        return response


class ObjectDetailView(ConfigView):
    template_name = "core/detail.html"

    def tabs(self, obj):
        tabs = [("details", _("Details"))]
        for tab in registry.tabs_for(self.config):
            if tab.permission is None or self.request.user.has_perm(tab.permission):
                tabs.append((tab.key, tab.label))
        if self.config.attachments:
            tabs.append(("attachments", _("Attachments")))
        tabs.append(("history", _("History")))
        return tabs

    def tab_context(self, obj, key):
        if key == "history":
            # changes for people: known fields by name, values as labels, the fields the user may
            # not see as "hidden" (core.history, core.visibility)
            events = history.present(list(audit.history_for(obj)[:200]), type(obj), user=self.request.user,
                                     placeholder=visibility.HIDDEN)
            return "core/tabs/history.html", {"events": events}
        if key == "attachments" and self.config.attachments:
            from .attachments import attachments_of

            return "core/tabs/attachments.html", {"attachments": attachments_of(obj)}
        for tab in registry.tabs_for(self.config):
            if tab.key == key and (tab.permission is None or self.request.user.has_perm(tab.permission)):
                extra = tab.context(obj, self.request) if tab.context else {}
                return tab.template, extra
        fields = []
        for name in self.config.visible_fields(self.config.get_detail_fields(), self.request.user):
            f = obj._meta.get_field(name)
            if name in self.config.value_labels:
                value = self.config.value_label(obj, name)
            elif f.many_to_many:
                value = "、".join(str(o) for o in getattr(obj, name).all()) or "—"
            elif getattr(f, "choices", None):
                value = getattr(obj, f"get_{name}_display")()
            else:
                value = getattr(obj, name)
            fields.append((capfirst(f.verbose_name), value))
        return "core/tabs/details.html", {"fields": fields}

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        tabs = self.tabs(obj)
        active = request.GET.get("tab", "details")
        if active not in dict(tabs):
            raise Http404
        template, extra = self.tab_context(obj, active)
        context = {
            "object": obj,
            "tabs": tabs,
            "active_tab": active,
            "tab_template": template,
            "breadcrumbs": self.breadcrumbs(obj),
            "can_change": request.user.has_perm(self.config.perm("change")),
            "can_delete": self.config.deletable and request.user.has_perm(self.config.perm("delete")),
            "edit_url": self.config.url("edit", obj) if self.config.form_fields else "",
            "actions": [
                *[(m.label, self.config.url(m.name, obj)) for m in self.config.moves_available(request.user, obj)],
                *[(a.label, self.config.url(a.key, obj)) for a in self.config.actions
                  if not a.permission or request.user.has_perm(a.permission)],
            ],
            "delete_url": self.config.url("delete", obj) if self.config.form_fields and self.config.deletable else "",
            **extra,
        }
        if request.htmx and request.htmx.target == "tab-content":
            return self.render(context, template)
        # A config may name its own page (extending core/detail.html), e.g. a summary header.
        return self.render(context, getattr(self.config, "detail_template", None))


class ObjectEditView(ConfigView):
    template_name = "core/form.html"

    def render(self, context, template=None):
        # A config may name its own form page (e.g. with inline rows of related records).
        return super().render(context, template or getattr(self.config, "form_template", None))

    @property
    def action(self):
        return "change" if "pk" in self.kwargs else "add"

    def get_instance(self):
        return self.get_object("change") if "pk" in self.kwargs else None

    def get_form(self, instance):
        data = self.request.POST if self.request.method == "POST" else None
        files = self.request.FILES if self.request.method == "POST" else None
        initial = None
        if instance is None and data is None:
            # Links such as "add item" pre-fill fields: ?dict_type=3
            initial = {k: v for k, v in self.request.GET.items() if k in self.config.form_fields}
        return self.config.form(data, files, instance=instance, initial=initial, user=self.request.user)

    def context(self, form, instance):
        leaf = _("Edit") if instance else _("Add")
        cancel = self.config.url("detail", instance) if instance else self.config.url("list")
        return {"form": form, "object": instance, "cancel_url": cancel, "breadcrumbs": self.breadcrumbs(instance, leaf=leaf)}

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        return self.render(self.context(self.get_form(instance), instance))

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(instance)
        if form.is_valid():
            try:
                if instance is None:
                    obj = self.config.create(actor=request.user, data=form.service_data())
                    messages.success(request, _("%(what)s “%(obj)s” was created.") % {"what": self.config.verbose_name, "obj": obj})
                else:
                    obj = self.config.update(actor=request.user, obj=instance, data=form.service_data())
                    messages.success(request, _("%(what)s “%(obj)s” was saved.") % {"what": self.config.verbose_name, "obj": obj})
                advise = getattr(obj, "save_warnings", None)  # advice, not a refusal (price below cost…)
                for note in advise(hidden=visibility.hidden_fields(type(obj), request.user)) if advise else ():
                    messages.warning(request, note)
                return redirect(self.config.url("detail", obj))
            except ValidationFailed as exc:
                apply_service_error(request, exc, form)
            except ServiceError as exc:
                apply_service_error(request, exc, form)
        response = self.render(self.context(form, instance))
        response.status_code = 400
        return response


class ObjectDeleteView(ConfigView):
    action = "delete"
    template_name = "core/delete.html"

    def get(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        return self.render({"object": obj, "cancel_url": self.config.url("detail", obj),
                            "breadcrumbs": self.breadcrumbs(obj, leaf=_("Delete"))})

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        try:
            text = self.config.delete(actor=request.user, obj=obj)
        except ServiceError as exc:
            apply_service_error(request, exc)
            return redirect(self.config.url("detail", obj))
        messages.success(request, _("%(what)s “%(obj)s” was deleted.") % {"what": self.config.verbose_name, "obj": text})
        return redirect(self.config.url("list"))


def action_view(config, action):
    """The page of a detail-page Action: permission first, then a record within the data scope."""
    from django.contrib.auth.decorators import login_required

    @login_required
    def view(request, pk):
        if action.permission and not request.user.has_perm(action.permission):
            raise DjangoPermissionDenied
        obj = get_object_or_404(config.queryset(request.user), pk=pk)
        return action.view(request, config, obj)

    return view


def move_view(config, move):
    """The page of a declared move (core.moves): permission first, then a record within the data
    scope; the move's form (or a confirmation), the service's refusal on the form. A move the
    record's status no longer allows is refused with the same message the service gives."""
    from django.contrib.auth.decorators import login_required

    machine = config.machine

    @login_required
    def view(request, pk):
        perm = move.perm(config.model)
        if perm and not request.user.has_perm(perm):
            raise DjangoPermissionDenied
        obj = get_object_or_404(config.queryset(request.user), pk=pk)
        if request.method != "POST" and not machine.may(request.user, obj, move.name):
            try:
                machine.check(request.user, obj, move.name)
            except ServiceError as exc:
                messages.error(request, str(exc.message))
            return redirect(config.url("detail", obj))
        form_class = move.form or forms.Form
        initial = move.initial(obj) if move.initial else None
        form = form_class(request.POST if request.method == "POST" else None, initial=initial)
        for name in visibility.hidden_fields(config.model, request.user):  # e.g. a renewal's amount
            form.fields.pop(name, None)
        for field in form.fields.values():
            if isinstance(field.widget, forms.DateInput):
                field.widget = moves.DATE_INPUT
        intro = move.intro(obj) if callable(move.intro) else move.intro
        return move_page(request, config, obj, title=move.label, form=form, intro=intro,
                         perform=lambda data: machine.perform(move.name, actor=request.user, obj=obj, data=data),
                         extra={"danger": move.danger, "status_label": machine.status_label(machine.status_of(obj))})

    view.__name__ = f"{config.model_name}_{move.verb}"
    return view
