"""Pages of the shell that are not a registered model: home and global search."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .registry import registry
from .workbench import cards_for, quick_actions_for

SEARCH_LIMIT = 8


PHONE_AGENTS = ("Mobile", "MicroMessenger", "wxwork", "DingTalk", "Android", "iPhone")


@login_required
def home(request):
    """The start page 工作台: what this person must act on (the cards the apps contribute, within
    their permissions and data scope) and the pages they start work from. Phones (and the WeChat /
    WeCom / DingTalk browsers) go to /m/."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    if any(a in agent for a in PHONE_AGENTS) and "desktop" not in request.GET:
        from django.shortcuts import redirect

        return redirect("mobile-home")
    context = {
        "cards": cards_for(request.user, registry),
        "quick_actions": quick_actions_for(request.user, registry),
        "has_menu": any(c.pages and c.menu and request.user.has_perm(c.perm("view")) for c in registry),
        "breadcrumbs": [(_("Workbench"), None)],
    }
    return TemplateResponse(request, "core/home.html", context)


@login_required
def search(request):
    """Global search: every registered model the user may view, within their data scope."""
    q = (request.GET.get("q") or "").strip()[:100]
    groups = []
    if q:
        for config in registry:
            if not (config.pages and config.search_fields and request.user.has_perm(config.perm("view"))):
                continue
            cond = Q(pk__in=[])
            for f in config.visible_fields(config.search_fields, request.user):
                cond |= Q(**{f"{f}__icontains": q})
            # A config with its own search (e.g. customers: pinyin, phone tail, serial) uses it here too.
            own = getattr(config, "search", None)
            rows = own(config.queryset(request.user), q) if own else config.queryset(request.user).filter(cond)
            hits = list(rows[:SEARCH_LIMIT])
            if hits:
                groups.append({"config": config, "label": config.title,
                               "hits": [(str(h), config.url("detail", h)) for h in hits]})
    context = {"q": q, "groups": groups, "breadcrumbs": [(_("Search"), None)]}
    return TemplateResponse(request, "core/search.html", context)


def mobile_tabs(request):
    """The phone layout's tab bar: Home, the tabs the apps contribute (`registry.phone_tab`), Me."""
    tabs = [{"label": _("Home"), "url": "/m/", "icon": "home"}]
    for tab in registry.phone_tabs:
        if not tab.perm or request.user.has_perm(tab.perm):
            tabs.append({"label": tab.label, "url": tab.href, "icon": tab.icon,
                         "badge": tab.badge(request.user) if tab.badge else None})
    tabs.append({"label": _("Me"), "url": "/m/me/", "icon": "user"})
    for tab in tabs:
        tab["active"] = request.path == tab["url"]
    return tabs


@login_required
def mobile_home(request):
    """The phone home for engineers and outlet users (WeUI): their cards (tasks to do, tasks to grab,
    unread messages), each opening a phone page."""
    return TemplateResponse(request, "core/mobile_home.html", {
        "cards": cards_for(request.user, registry, phone=True), "mobile_tabs": mobile_tabs(request),
        "page_title": _("Xiuhao")})


@login_required
def mobile_me(request):
    return TemplateResponse(request, "core/mobile_me.html", {"mobile_tabs": mobile_tabs(request),
                                                           "roles": request.user.active_roles(),
                                                           "page_title": _("Me")})


@login_required
def choices(request, label):
    """Options for an autocomplete select: records of a searchable model the user may see."""
    from django.apps import apps
    from django.http import Http404, JsonResponse

    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    fields = registry.search_fields_for_choices(model)
    if fields is None:
        raise Http404
    label = model._meta.label_lower
    if label not in registry.choices_without_view_permission and not request.user.has_perm(
            f"{model._meta.app_label}.view_{model._meta.model_name}"):
        raise Http404  # like a model without an autocomplete: nothing tells the two apart
    q = (request.GET.get("q") or "").strip()[:50]
    qs = model._default_manager.all().for_choices(request.user)
    if q:
        cond = Q()
        for f in fields:
            cond |= Q(**{f"{f}__icontains": q})
        qs = qs.filter(cond)
    results = [{"id": obj.pk, "text": str(obj)} for obj in qs.order_by(*fields[:1])[:20]]
    return JsonResponse({"results": results})


def bad_request(request, exception=None):
    """400 (malformed or over-large request): the API's error body under /api/, a plain page
    otherwise — never a traceback."""
    from django.core.exceptions import RequestDataTooBig
    from django.http import JsonResponse
    from django.views.defaults import bad_request as default_bad_request

    too_big = isinstance(exception, RequestDataTooBig)
    if request.path.startswith("/api/"):
        if too_big:
            body = {"code": "request_too_large", "message": str(_("The request is too large."))}
        else:
            body = {"code": "malformed_request", "message": str(_("The request could not be read."))}
        return JsonResponse({"error": body}, status=413 if too_big else 400)
    return default_bad_request(request, exception)


def not_found(request, exception=None):
    """404: the API's error body under /api/, the page otherwise."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        message = _("The record does not exist or you may not see it.")
        return JsonResponse({"error": {"code": "not_found", "message": str(message)}}, status=404)
    return page_not_found(request, exception)
