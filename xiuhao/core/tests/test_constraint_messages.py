"""A broken rule reads as a sentence on the field it concerns — never as the constraint's name,
never as a 500 — whether full_clean finds it, or only the database does (two saves racing)."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, models
from django.utils import translation

from xiuhao.core import constraints
from xiuhao.core.errors import ValidationFailed
from xiuhao.core.registry import registry
from xiuhao.core.services import _save


def xiuhao_constraints():
    for model in apps.get_models():
        if not model.__module__.startswith("xiuhao."):
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.CheckConstraint | models.UniqueConstraint):
                yield pytest.param(model, constraint, id=constraint.name)


@pytest.mark.parametrize(("model", "constraint"), list(xiuhao_constraints()))
def test_every_constraint_speaks_the_users_language_on_its_field(model, constraint):
    assert isinstance(constraint, constraints.CheckConstraint | constraints.UniqueConstraint), (
        f"{constraint.name}: use xiuhao.core.constraints with message= and field=")
    with translation.override("en"):
        english = str(constraint.get_violation_error_message())
    with translation.override("zh-hans"):
        chinese = str(constraint.get_violation_error_message())
    assert constraint.name not in english and constraint.name not in chinese
    assert english != chinese, f"{constraint.name}: message not translated"
    if constraint.field:
        model._meta.get_field(constraint.field)
        config = registry.configs.get(model._meta.label_lower)
        if config is not None and getattr(config, "form_fields", None):
            # on the form, or the message would fall back to the top of the form
            assert constraint.field in config.form_fields or constraint.field in {"is_default", "is_primary"}, (
                constraint.name)


@pytest.mark.django_db
def test_a_device_whose_warranty_ends_before_it_starts_is_told_so_on_the_field(client, english):
    from xiuhao.assets.tests.factories import DeviceFactory
    from xiuhao.org.tests.factories import user_with

    device = DeviceFactory()
    user = user_with("assets.change_device", "assets.view_device", data_scope="all")
    client.force_login(user)
    config = registry.configs["assets.device"]
    form = client.get(config.url("edit", device)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(warranty_start="2026-05-01", warranty_end="2026-04-01")
    response = client.post(config.url("edit", device), {k: v for k, v in data.items() if v is not None})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["warranty_end"] == ["The warranty cannot end before it starts."]
    assert "device_warranty_period" not in response.content.decode()


@pytest.mark.django_db
def test_the_api_names_the_field_of_a_fee_standard_valid_to_before_valid_from(client, english):
    from xiuhao.org.tests.factories import user_with

    client.force_login(user_with("catalog.add_feestandard", "catalog.view_feestandard", data_scope="all"))
    response = client.post("/api/v1/catalog/feestandard/", {
        "code": "F1", "name": "上门费", "valid_from": "2026-05-01", "valid_to": "2026-04-01"},
        content_type="application/json")
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["fields"]["valid_to"] == ["The end of validity cannot be before its start."]
    assert "feestandard_valid_period" not in response.content.decode()


@pytest.mark.django_db
def test_a_rule_only_the_database_catches_gets_the_same_message(english):
    """A race: full_clean passed on stale data, the database refuses the row."""
    from xiuhao.assets.tests.factories import DeviceFactory

    device = DeviceFactory()
    device.warranty_start, device.warranty_end = datetime.date(2026, 5, 1), datetime.date(2026, 4, 1)
    with pytest.raises(ValidationFailed) as caught:
        _save(device, {})
    assert caught.value.fields == {"warranty_end": ["The warranty cannot end before it starts."]}


def test_sqlite_and_postgres_wording_of_a_unique_refusal_map_to_the_field(english):
    from xiuhao.assets.models import Shipment

    for text in ("UNIQUE constraint failed: assets_shipment.serial, assets_shipment.order_no",
                 'duplicate key value violates unique constraint "shipment_serial_order_unique"'):
        fields = constraints.integrity_error_fields(Shipment, IntegrityError(text))
        assert fields == {"serial": ["This serial number is already recorded for this order."]}


@pytest.mark.django_db
def test_the_contract_form_shows_every_mistake_in_one_round(client, english):
    from xiuhao.customers.tests.factories import CustomerFactory
    from xiuhao.org.tests.factories import user_with

    user = user_with("contracts.add_contract", "contracts.view_contract", data_scope="all")
    customer = CustomerFactory(branch=user.branch)
    client.force_login(user)
    config = registry.configs["contracts.contract"]
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = client.post(config.url("add"), {
        "name": "", "kind": "outsourcing", "customer": customer.pk,
        "signed_on": future, "start_date": "2026-06-01", "end_date": "2026-05-01",
        })
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "name" in errors  # the field's own check
    assert errors["end_date"] == ["The end date must not be before the start date."]  # clean()
    assert "This date cannot be in the future." in errors["signed_on"]
    assert errors["provider"] == ["An outsourcing contract needs the service provider (outlet)."]


@pytest.mark.django_db
def test_an_installation_in_the_future_and_half_a_screw_are_refused(client, english):
    from xiuhao.assets.services import device_update
    from xiuhao.assets.tests.factories import DeviceFactory
    from xiuhao.org.tests.factories import user_with

    device = DeviceFactory()
    user = user_with("assets.change_device", "assets.view_device", data_scope="all")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        device_update(actor=user, obj=device, data={"install_date": tomorrow})
    assert caught.value.fields == {"install_date": ["This date cannot be in the future."]}

    from decimal import Decimal

    from xiuhao.assets.models import DevicePart
    from xiuhao.catalog.tests.factories import PartFactory

    line = DevicePart(device=device, part=PartFactory(unit="个"), quantity=Decimal("1.5"))
    with pytest.raises(Exception) as refused:
        line.full_clean()
    assert refused.value.message_dict["quantity"] == ["Parts counted in 个 come in whole numbers."]
    DevicePart(device=device, part=PartFactory(unit="kg"), quantity=Decimal("1.5")).full_clean()


@pytest.mark.django_db
def test_a_price_below_cost_is_saved_with_a_warning_on_the_page_and_in_the_api(client, english):
    from xiuhao.catalog.tests.factories import PartFactory
    from xiuhao.org.tests.factories import user_with

    part = PartFactory(cost="80.00", price="100.00")
    user = user_with("catalog.change_part", "catalog.view_part", "catalog.view_cost_part", data_scope="all")
    client.force_login(user)
    response = client.patch(f"/api/v1/catalog/part/{part.pk}/", {"price": "60.00"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["warnings"] == ["The price 60.00 is below the cost 80.00."]
    part.refresh_from_db()
    assert str(part.price) == "60.00"  # saved: a warning, not a refusal
    assert "warnings" not in client.patch(f"/api/v1/catalog/part/{part.pk}/", {"price": "90.00"},
                                          content_type="application/json").json()
