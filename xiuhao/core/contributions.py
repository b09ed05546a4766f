"""Contribution points: how an app plugs itself into the shell and into the other apps without
anyone editing a list that names it.

Every app contributes from its own modules, which the registry discovers by name (`<app>.registry`
at start-up, `<app>.demo` when the demo is loaded) — core never imports an app:

    registry.menu_item("tasks", _("My messages"), "tasks_inbox", order=20)
    registry.phone_tab(_("Tasks"), "tasks_m_my", icon="checklist", order=10, badge=open_task_count)
    registry.unread_counter(inbox.unread_count, "tasks_inbox", template="messages/inbox_badge.html")
    registry.message_kind("warranty_expiry", _("Warranty expiry"))   # label in the inbox filter
    registry.workbench_card("my_tasks", _("My tasks"), build, order=10, phone=True)  # 工作台 (workbench.py)
    registry.quick_action(_("New customer"), "customers_customer_add", perm="customers.add_customer")
    registry.field_widget("org.region", RegionPickerWidget)          # forms of any FK to a region
    registry.filter_for("org.region", RegionFilter)                  # list filters of such an FK
    registry.provide("ip_allowed", security.ip_allowed)              # a port core calls (PORTS)
    registry.demo_roles({"agent": {"customers.customer": "view,add,change"}})
    registry.demo_step("assets", load, after=["catalog", "customers"])

Page and API URLs need no call: each app's `urls` and `api_urls` modules are included by
convention (`url_modules`), in the order of INSTALLED_APPS.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

# Ports: functions core calls but a domain app implements, with what core does when none is
# provided (a core without the organisation app still works).
PORTS = {
    # departments_below(department) -> queryset or list of the pks of the department and its sub-tree
    "departments_below": lambda department: [department.pk],
    # ip_allowed(user, ip) -> bool: may this user sign in / call the API from this address?
    "ip_allowed": lambda user, ip: True,
    # device_contracts(user, devices, on) -> {device pk: {"contract": (text, url) or None, "offer_url": url or ""}}:
    # the contract covering each device on that day, else where to offer one (the warranty list)
    "device_contracts": lambda user, devices, on: {},
}


def _url(url):
    """A URL name (reversed when used) or a callable returning the URL."""
    return url() if callable(url) else reverse(url)


@dataclass
class MenuItem:
    """A back-office menu entry that is not a registered model's list page."""

    section: str
    label: str
    url: object
    order: int = 50
    perm: str | None = None

    @property
    def href(self):
        return _url(self.url)


@dataclass
class PhoneTab:
    """A tab in the phone layout's tab bar (between 首页 Home and 我的 Me); `badge(user)` -> int."""

    label: str
    url: object
    icon: str = ""
    order: int = 50
    perm: str | None = None
    badge: object = None

    @property
    def href(self):
        return _url(self.url)


@dataclass
class UnreadCounter:
    """What the top bar's bell counts (`count(user)` -> int), the page it opens and the template
    that draws it (given `messages_url` and `unread_count`)."""

    count: object
    url: object
    template: str = ""

    @property
    def href(self):
        return _url(self.url)


@dataclass
class DemoStep:
    """One app's part of the demo data set: `load()` returns a demo Result; it runs after the
    steps named in `after`."""

    name: str
    load: object
    after: tuple = ()


def discover(module):
    """Import `<app>.<module>` of every xiuhao app that has one, in INSTALLED_APPS order."""
    for app in apps.get_app_configs():
        if app.name.startswith("xiuhao."):
            wanted = f"{app.name}.{module}"
            try:
                import_module(wanted)
            except ModuleNotFoundError as exc:
                # an app without that module (or without its package, e.g. `tests`) is skipped
                if exc.name != wanted and not wanted.startswith(f"{exc.name}."):
                    raise


def url_modules(module):
    """Dotted names of the apps' `module` (e.g. "api_urls") that exist, in INSTALLED_APPS order."""
    from importlib.util import find_spec

    names = [f"{app.name}.{module}" for app in apps.get_app_configs() if app.name.startswith("xiuhao.")]
    return [name for name in names if find_spec(name) is not None]


@dataclass
class Contributions:
    menu_items: list = field(default_factory=list)
    phone_tabs: list = field(default_factory=list)
    unread_counters: list = field(default_factory=list)
    message_kinds: dict = field(default_factory=dict)
    field_widgets: dict = field(default_factory=dict)
    field_filters: dict = field(default_factory=dict)
    ports: dict = field(default_factory=dict)
    workbench_cards: list = field(default_factory=list)
    quick_actions: list = field(default_factory=list)
    demo_steps: dict = field(default_factory=dict)
    demo_permissions: dict = field(default_factory=dict)
    _demo_discovered: bool = False

    # -- the shell ------------------------------------------------------------------------------
    def menu_item(self, section, label, url, *, order=50, perm=None):
        self.menu_items.append(MenuItem(section, label, url, order, perm))

    def phone_tab(self, label, url, *, icon="", order=50, perm=None, badge=None):
        self.phone_tabs.append(PhoneTab(label, url, icon, order, perm, badge))
        self.phone_tabs.sort(key=lambda t: t.order)

    def unread_counter(self, count, url, *, template=""):
        """The bell shows the sum of the counters, opens the first one's page, drawn by its template."""
        self.unread_counters.append(UnreadCounter(count, url, template))

    def message_kind(self, code, label):
        if self.message_kinds.get(code, label) != label:
            raise ImproperlyConfigured(f"Message kind {code!r} is contributed twice.")
        self.message_kinds[code] = label

    def workbench_card(self, key, label, build, *, order=50, perm=None, phone=False):
        """A card of the start page 工作台 (see core/workbench.py): `build(user, phone=)` -> Card or None."""
        from .workbench import WorkbenchCard

        if any(c.key == key for c in self.workbench_cards):
            raise ImproperlyConfigured(f"Workbench card {key!r} is contributed twice.")
        self.workbench_cards.append(WorkbenchCard(key, label, build, order, perm, phone))
        self.workbench_cards.sort(key=lambda c: (c.order, c.key))

    def quick_action(self, label, url, *, perm=None, order=50, icon="plus"):
        """A button above the start page's cards (e.g. "New request")."""
        from .workbench import QuickAction

        self.quick_actions.append(QuickAction(label, url, perm, order, icon))
        self.quick_actions.sort(key=lambda a: a.order)

    # -- shared field types -------------------------------------------------------------------------
    def field_widget(self, model_label, widget):
        """Form fields that are a foreign key to `model_label` ("app_label.model") get `widget()`."""
        self.field_widgets[model_label.lower()] = widget

    def filter_for(self, model_label, filter_class):
        """List filters on a foreign key to `model_label` use `filter_class(field_name=, label=)`."""
        self.field_filters[model_label.lower()] = filter_class

    @staticmethod
    def _target(model_field):
        related = model_field.related_model if model_field.is_relation else None
        return related._meta.label_lower if related is not None else None

    def widget_for(self, model_field):
        factory = self.field_widgets.get(self._target(model_field))
        return factory() if factory else None

    def filter_class_for(self, model_field):
        return self.field_filters.get(self._target(model_field))

    # -- ports -----------------------------------------------------------------------------------------
    def provide(self, name, fn):
        if name not in PORTS:
            raise ImproperlyConfigured(f"Unknown port {name!r}; core's ports: {', '.join(PORTS)}.")
        self.ports[name] = fn

    def port(self, name):
        return self.ports.get(name) or PORTS[name]

    # -- the demo data set -----------------------------------------------------------------------------
    def demo_roles(self, permissions):
        """Grant demo roles (by code) permissions on this app's models: {role: {"app.model":
        "view,add"}}. A model is granted to a role by one contribution only."""
        for role, grants in permissions.items():
            held = self.demo_permissions.setdefault(role, {})
            twice = set(held) & set(grants)
            if twice:
                raise ImproperlyConfigured(f"Demo role {role!r} is granted {', '.join(sorted(twice))} twice.")
            held.update(grants)

    def demo_step(self, name, load, *, after=()):
        self.demo_steps[name] = DemoStep(name, load, tuple(after))

    def discover_demo(self):
        if not self._demo_discovered:
            self._demo_discovered = True
            discover("demo")

    def demo_order(self):
        """The demo steps, each after those it names (a topological sort). Of the steps free to run,
        the one of the lowest layer (config/layers.py) goes first, then by name — never by the
        order in which modules happened to be imported."""
        from xiuhao.config.layers import layer_of

        def rank(step):
            package = getattr(step.load, "__module__", "").split(".")[1:2]
            layer = layer_of(package[0]) if package else None
            return (99 if layer is None else layer, step.name)

        self.discover_demo()
        pending = dict(self.demo_steps)
        for step in pending.values():
            unknown = set(step.after) - set(pending)
            if unknown:
                raise ImproperlyConfigured(f"Demo step {step.name!r} runs after unknown {', '.join(sorted(unknown))}.")
        done, order = set(), []
        while pending:
            ready = min((s for s in pending.values() if set(s.after) <= done), key=rank, default=None)
            if ready is None:
                raise ImproperlyConfigured(f"Demo steps depend on each other in a circle: {', '.join(pending)}.")
            order.append(ready)
            done.add(ready.name)
            del pending[ready.name]
        return order
