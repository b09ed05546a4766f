"""Pages of the shell that are not a registered model: home and global search."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .registry import registry

SEARCH_LIMIT = 8


@login_required
def home(request):
    cards = []
    for config in registry:
        if config.pages and config.menu and request.user.has_perm(config.perm("view")):
            cards.append({"label": config.verbose_name_plural, "url": config.url("list"), "key": config.key})
    return TemplateResponse(request, "core/home.html", {"cards": cards, "breadcrumbs": [(_("Home"), None)]})


@login_required
def search(request):
    """Global search: every registered model the user may view, within their data scope."""
    q = (request.GET.get("q") or "").strip()[:100]
    groups = []
    if q:
        for config in registry:
            if not (config.pages and config.search_fields and request.user.has_perm(config.perm("view"))):
                continue
            cond = Q()
            for f in config.search_fields:
                cond |= Q(**{f"{f}__icontains": q})
            hits = list(config.queryset(request.user).filter(cond)[:SEARCH_LIMIT])
            if hits:
                groups.append({"config": config, "label": config.verbose_name_plural,
                               "hits": [(str(h), config.url("detail", h)) for h in hits]})
    context = {"q": q, "groups": groups, "breadcrumbs": [(_("Search"), None)]}
    return TemplateResponse(request, "core/search.html", context)
