"""The registry's contribution points: what apps plug in shows up in the shell, in forms and
filters of shared field types, in core's ports and in the demo's order."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from xiuhao.core.contributions import Contributions, url_modules
from xiuhao.core.registry import registry


def _steps(points, *specs):
    for name, after in specs:
        points.demo_step(name, load=lambda: None, after=after)
    points._demo_discovered = True  # only the steps above
    return [s.name for s in points.demo_order()]


def test_demo_steps_run_after_what_they_name_and_otherwise_in_contribution_order():
    order = _steps(Contributions(), ("org", ()), ("customers", ("org", "catalog")), ("catalog", ("org",)),
                   ("tasks", ("org",)))
    assert order == ["org", "catalog", "customers", "tasks"]


def test_demo_steps_in_a_circle_or_after_an_unknown_step_are_refused():
    with pytest.raises(ImproperlyConfigured, match="circle"):
        _steps(Contributions(), ("a", ("b",)), ("b", ("a",)))
    with pytest.raises(ImproperlyConfigured, match="unknown"):
        _steps(Contributions(), ("a", ("nowhere",)))


def test_a_demo_role_is_granted_a_model_by_one_contribution_only():
    points = Contributions()
    points.demo_roles({"agent": {"customers.customer": "view"}})
    points.demo_roles({"agent": {"catalog.part": "view"}})
    assert points.demo_permissions == {"agent": {"customers.customer": "view", "catalog.part": "view"}}
    with pytest.raises(ImproperlyConfigured, match="twice"):
        points.demo_roles({"agent": {"customers.customer": "view,add"}})


def test_a_message_kind_has_one_label_and_unknown_ports_are_refused():
    points = Contributions()
    points.message_kind("x", "X")
    points.message_kind("x", "X")
    with pytest.raises(ImproperlyConfigured):
        points.message_kind("x", "Y")
    with pytest.raises(ImproperlyConfigured, match="Unknown port"):
        points.provide("no_such_port", lambda: None)


def test_ports_fall_back_to_core_defaults_until_an_app_provides_them():
    points = Contributions()
    assert points.port("ip_allowed")(None, "10.0.0.1") is True
    points.provide("ip_allowed", lambda user, ip: False)
    assert points.port("ip_allowed")(None, "10.0.0.1") is False


def test_the_apps_contribute_the_shell_entries_the_lists_used_to_name():
    menu = {(i.section, i.href) for i in registry.menu_items}
    assert {("tasks", reverse("tasks_my")), ("tasks", reverse("tasks_inbox")),
            ("assets", reverse("assets_lookup"))} <= menu
    assert [t.href for t in registry.phone_tabs] == [reverse("tasks_m_my"), reverse("tasks_m_inbox")]
    assert registry.unread_counters[0].href == reverse("tasks_inbox")
    assert {"warranty_expiry", "contract_expiry", "sla_alert", "task_assigned", "announcement"} <= set(
        registry.message_kinds)
    assert registry.ports["departments_below"].__module__ == "xiuhao.org.registry"


def test_every_app_with_url_modules_is_included_by_convention():
    assert "xiuhao.messages.api_urls" in url_modules("api_urls")
    assert url_modules("urls").index("xiuhao.org.urls") < url_modules("urls").index("xiuhao.messages.urls")
    assert reverse("api-token") == "/api/v1/auth/token/"
    assert reverse("api-message-list") == "/api/v1/tasks/messages/"


def test_a_region_field_gets_the_picker_and_the_region_filter_org_contributes():
    from xiuhao.customers.models import Customer
    from xiuhao.org.regions import RegionFilter, RegionPickerWidget

    field = Customer._meta.get_field("region")
    assert isinstance(registry.widget_for(field), RegionPickerWidget)
    assert registry.filter_class_for(field) is RegionFilter
    assert registry.widget_for(Customer._meta.get_field("name")) is None
