"""The back-office shell: the menu tree built from permissions and the menu items the apps
contribute, the bell's unread count."""

from django.urls import NoReverseMatch

from .registry import registry


def build_menu(request):
    user = request.user
    if not user.is_authenticated:
        return []
    path = request.path
    sections = {}
    entries = [
        (c.menu, c.menu_order, str(c.title), c.url("list"))
        for c in registry
        if c.pages and c.menu and user.has_perm(c.perm("view"))
    ]
    for item in registry.menu_items:
        if not item.perm or user.has_perm(item.perm):
            try:
                entries.append((item.section, item.order, str(item.label), item.href))
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


def shell(request):
    if not hasattr(request, "user") or not request.user.is_authenticated:
        return {"menu": [], "unread_count": 0, "messages_url": None, "bell_template": None}
    return {"menu": build_menu(request), "unread_count": _unread_count(request), "messages_url": _messages_url(),
            "bell_template": registry.unread_counters[0].template if registry.unread_counters else None}


def _unread_count(request):
    """The bell counts what the apps contribute with `registry.unread_counter` (none: no bell)."""
    return sum(counter.count(request.user) for counter in registry.unread_counters)


def _messages_url():
    return registry.unread_counters[0].href if registry.unread_counters else None
