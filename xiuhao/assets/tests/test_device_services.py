import calendar
import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xiuhao.assets import services
from xiuhao.assets.models import Device, DevicePart
from xiuhao.catalog.tests.factories import PartFactory
from xiuhao.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.customers.tests.factories import AddressFactory, CustomerFactory
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

from .conftest import INSTALLED


def register(manager, model, customer, **data):
    return services.device_create(actor=manager, data={"serial": "SN-1", "product_model": model,
                                                       "customer": customer, **data})


# -- warranty defaults -------------------------------------------------------------------------------
@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31)),
       st.integers(min_value=1, max_value=120))
def test_a_warranty_of_n_months_ends_the_day_before_the_same_date_n_months_later(start, months):
    end = services.warranty_end_for(start, months)
    after = end + datetime.timedelta(days=1)
    assert (after.year * 12 + after.month) - (start.year * 12 + start.month) == months
    assert after.day == min(start.day, calendar.monthrange(after.year, after.month)[1])


def test_month_arithmetic_keeps_the_end_of_month():
    assert services.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert services.add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert services.add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)


def test_the_warranty_starts_at_installation_and_lasts_the_models_months(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, install_date=INSTALLED)
    assert device.warranty_start == INSTALLED
    assert device.warranty_end == datetime.date(2028, 3, 30)
    assert device.branch_id == customer.branch_id


def test_without_an_install_date_the_warranty_starts_when_the_device_was_shipped(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, shipped_on=datetime.date(2026, 1, 5))
    assert device.warranty_start == datetime.date(2026, 1, 5)


def test_explicit_warranty_dates_are_kept(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, install_date=INSTALLED,
                      warranty_start=datetime.date(2026, 4, 1), warranty_end=datetime.date(2031, 3, 31))
    assert (device.warranty_start, device.warranty_end) == (datetime.date(2026, 4, 1), datetime.date(2031, 3, 31))


def test_the_kind_is_manufacturer_while_in_warranty_and_out_after_it(manager, model_with_bom, customer):
    today = datetime.date.today()
    running = register(manager, model_with_bom, customer, install_date=today - datetime.timedelta(days=30))
    old = services.device_create(actor=manager, data={"serial": "SN-OLD", "product_model": model_with_bom,
                                                      "customer": customer, "install_date": datetime.date(2019, 1, 1)})
    assert running.warranty_kind == Device.WarrantyKind.MANUFACTURER
    assert old.warranty_kind == Device.WarrantyKind.OUT


def test_a_chosen_kind_wins_over_the_default(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, install_date=datetime.date(2019, 1, 1),
                      warranty_kind=Device.WarrantyKind.CONTRACT)
    assert device.warranty_kind == Device.WarrantyKind.CONTRACT


def test_an_end_before_the_start_is_refused_and_nothing_is_saved(manager, model_with_bom, customer):
    with pytest.raises(ValidationFailed):
        register(manager, model_with_bom, customer, warranty_start=datetime.date(2026, 5, 1),
                 warranty_end=datetime.date(2026, 4, 1))
    assert not Device.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_the_device_takes_the_sites_region_and_coordinates(manager, model_with_bom, customer, site):
    device = register(manager, model_with_bom, customer, address=site)
    assert (device.lat, device.lng) == (Decimal("22.543100"), Decimal("114.057900"))


def test_a_site_of_another_customer_is_refused(manager, model_with_bom, customer):
    other_site = AddressFactory(customer=CustomerFactory(branch=customer.branch))
    with pytest.raises(ValidationFailed) as exc:
        register(manager, model_with_bom, customer, address=other_site)
    assert "address" in exc.value.fields
    assert not Device.objects.exists()


def test_an_extended_warranty_is_audited_with_old_and_new_end(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, install_date=INSTALLED)
    services.device_update(actor=manager, obj=device, data={"warranty_end": datetime.date(2030, 3, 30)})
    event = AuditEvent.objects.filter(action="update", object_id=str(device.pk)).latest("at")
    assert event.changes["warranty_end"] == ["2028-03-30", "2030-03-30"]


def test_a_user_cannot_register_a_device_for_a_customer_outside_their_branch(manager, model_with_bom):
    foreign = CustomerFactory(branch=BranchFactory())
    with pytest.raises(PermissionDenied):
        register(manager, model_with_bom, foreign)
    assert not Device.objects.exists()


# -- BOM instance ------------------------------------------------------------------------------------------
def test_registering_copies_the_models_bom_with_quantities_per_device(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, install_date=INSTALLED)
    parts = {p.part.name: p for p in DevicePart.objects.filter(device=device).select_related("part", "parent__part")}
    assert set(parts) == {"主板", "风扇", "线缆"}
    assert parts["风扇"].parent == parts["主板"]
    assert parts["风扇"].quantity == Decimal("2") and parts["线缆"].quantity == Decimal("3")
    assert all(p.fitted_on == INSTALLED for p in parts.values())


def test_replacing_a_part_marks_the_old_line_removed_and_fits_the_new_one_with_its_serial(
        manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer, install_date=INSTALLED)
    board = DevicePart.objects.get(device=device, part__name="主板")
    spare = PartFactory(name="主板V2")
    new = services.device_part_replace(actor=manager, line=board, new_part=spare, part_serial="MB-0099",
                                       on=datetime.date(2026, 9, 1))
    board.refresh_from_db()
    assert (board.status, board.removed_on) == (DevicePart.Status.REMOVED, datetime.date(2026, 9, 1))
    assert (new.part, new.part_serial, new.status) == (spare, "MB-0099", DevicePart.Status.FITTED)
    assert DevicePart.objects.get(device=device, part__name="风扇").parent == new  # the fan sits in the new board
    event = AuditEvent.objects.get(object_id=str(device.pk), verb="part_replace")
    assert event.changes["part"] == [str(board.part), str(spare)]


def test_a_part_cannot_be_replaced_twice(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer)
    cable = DevicePart.objects.get(device=device, part__name="线缆")
    services.device_part_replace(actor=manager, line=cable)
    with pytest.raises(Conflict):
        services.device_part_replace(actor=manager, line=cable)
    assert DevicePart.objects.filter(device=device, part__name="线缆").count() == 2


def test_parts_can_be_added_and_removed(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer)
    extra = services.device_part_add(actor=manager, device=device, part=PartFactory(), quantity=2)
    services.device_part_remove(actor=manager, line=extra, on=datetime.date(2026, 10, 1))
    extra.refresh_from_db()
    assert extra.status == DevicePart.Status.REMOVED
    assert AuditEvent.objects.filter(object_id=str(device.pk), verb__in=["part_add", "part_remove"]).count() == 2


def test_part_changes_need_the_change_permission_and_the_device_in_scope(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer)
    line = device.parts.first()
    viewer = UserFactory(branch=customer.branch)
    grant(viewer, "assets.view_device", data_scope="branch")
    with pytest.raises(PermissionDenied):
        services.device_part_replace(actor=viewer, line=line)
    stranger = UserFactory(branch=BranchFactory())
    grant(stranger, "assets.change_device", data_scope="branch")
    with pytest.raises(NotFound):
        services.device_part_replace(actor=stranger, line=line)
    line.refresh_from_db()
    assert line.status == DevicePart.Status.FITTED


# -- status ----------------------------------------------------------------------------------------------
def test_an_invalid_device_is_not_serviceable_and_can_be_restored(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer)
    services.device_set_invalid(actor=manager, device=device, reason="客户报废")
    assert not Device.objects.serviceable().filter(pk=device.pk).exists()
    assert not Device.objects.for_choices(manager).filter(pk=device.pk).exists()
    assert device.invalid_reason == "客户报废"
    with pytest.raises(Conflict):
        services.device_set_invalid(actor=manager, device=device, reason="again")
    services.device_restore(actor=manager, device=device, reason="误操作")
    assert Device.objects.serviceable().filter(pk=device.pk).exists()
    verbs = list(AuditEvent.objects.filter(object_id=str(device.pk)).values_list("verb", flat=True))
    assert "set_invalid" in verbs and "restore" in verbs


def test_setting_invalid_needs_a_reason(manager, model_with_bom, customer):
    device = register(manager, model_with_bom, customer)
    with pytest.raises(ValidationFailed):
        services.device_set_invalid(actor=manager, device=device, reason="  ")
    device.refresh_from_db()
    assert device.status == Device.Status.REGISTERED


def test_the_repair_history_lists_part_replacements_status_and_warranty_changes(manager, model_with_bom, customer):
    from xiuhao.assets.selectors import repair_history

    device = register(manager, model_with_bom, customer, install_date=INSTALLED)
    services.device_part_replace(actor=manager, line=device.parts.first())
    services.device_update(actor=manager, obj=device, data={"warranty_end": datetime.date(2030, 1, 1)})
    services.device_update(actor=manager, obj=device, data={"lot": "L2"})  # not repair history
    services.device_set_invalid(actor=manager, device=device, reason="报废")
    kinds = [e["kind"] for e in repair_history(device, manager)["entries"]]
    assert kinds[:3] == ["set_invalid", "update", "part_replace"]
    assert "update" in kinds and kinds.count("update") == 1
