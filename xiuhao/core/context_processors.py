"""The back-office shell: the menu tree built from permissions, unread message count."""

from django.urls import NoReverseMatch

from .registry import registry


def build_menu(request):
    user = request.user
    if not user.is_authenticated:
        return []
    path = request.path
    sections = {}
    entries = [
        (c.menu, c.menu_order, str(c.verbose_name_plural), c.url("list"))
        for c in registry
        if c.pages and c.menu and user.has_perm(c.perm("view"))
    ]
    for extra in EXTRA_MENU_ITEMS:
        if user.has_perm(extra["perm"]) if extra.get("perm") else True:
            try:
                entries.append((extra["menu"], extra["order"], str(extra["label"]), extra["url"]()))
            except NoReverseMatch:
                continue
    for section_key, order, label, url in entries:
        section = registry.sections.get(section_key)
        if section is None:
            continue
        sections.setdefault(section_key, []).append((order, label, url))
    menu = []
    for key, items in sections.items():
        section = registry.sections[key]
        items.sort()
        rendered = [{"label": label, "url": url, "active": path.startswith(url)} for _o, label, url in items]
        menu.append(
            {"key": key, "label": str(section.label), "icon": section.icon, "order": section.order,
             "items": rendered, "active": any(i["active"] for i in rendered)}
        )
    menu.sort(key=lambda s: s["order"])
    return menu


# Pages that are not registry models (e.g. the operation log's own page) add themselves here:
# {"menu": "system", "order": 10, "label": ..., "url": callable, "perm": "app.view_x"}
EXTRA_MENU_ITEMS: list[dict] = []


def shell(request):
    if not hasattr(request, "user") or not request.user.is_authenticated:
        return {"menu": [], "unread_count": 0, "messages_url": None}
    return {"menu": build_menu(request), "unread_count": _unread_count(request), "messages_url": _messages_url()}


def _unread_count(request):
    counter = UNREAD_COUNTERS[0] if UNREAD_COUNTERS else None
    return counter(request.user) if counter else 0


# The messages module (Task Centre) registers a callable(user) -> int here, and the URL name of
# its inbox in MESSAGES_URL_NAME; until then the top bar shows no bell.
UNREAD_COUNTERS: list = []
MESSAGES_URL_NAME: list = []


def _messages_url():
    from django.urls import reverse

    return reverse(MESSAGES_URL_NAME[0]) if MESSAGES_URL_NAME else None
