"""A contract's life: create, activate, extend 延期, renew, terminate, expire — each move allowed
only from the statuses declared next to Contract.Status, each kept in the history."""

import pytest

from xiuhao.contracts import services
from xiuhao.contracts.models import Contract, ContractChange
from xiuhao.core.errors import Conflict, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.customers.tests.factories import CustomerFactory
from xiuhao.org.tests.factories import OutletFactory

from .conftest import days
from .factories import ContractDeviceFactory, ContractFactory

pytestmark = pytest.mark.django_db


def contract_of(branch, status=Contract.Status.ACTIVE, **kwargs):
    kwargs.setdefault("start_date", days(-300))
    kwargs.setdefault("end_date", days(65))
    return ContractFactory(customer=CustomerFactory(branch=branch), branch=branch, status=status, **kwargs)


def new_contract_data(branch, **overrides):
    return {"code": "HT-2026-001", "name": "CT 维保", "kind": Contract.Kind.MAINTENANCE,
            "customer": CustomerFactory(branch=branch), "start_date": days(0), "end_date": days(364),
            **overrides}


def test_a_new_contract_is_a_draft_of_its_customers_branch(branch):
    from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

    head_office = UserFactory(branch=BranchFactory())
    grant(head_office, "contracts.add_contract", "contracts.view_contract", data_scope="all")
    contract = services.contract_create(actor=head_office, data={**new_contract_data(branch), "status": "active"})
    assert contract.status == Contract.Status.DRAFT
    assert contract.branch == branch


def test_it_refuses_an_end_before_the_start_with_a_clear_message(clerk, english):
    with pytest.raises(ValidationFailed) as caught:
        services.contract_create(actor=clerk, data=new_contract_data(clerk.branch, end_date=days(-1)))
    assert caught.value.fields["end_date"] == ["The end date must not be before the start date."]
    assert not Contract.objects.exists()


def test_outsourcing_needs_a_provider_and_only_outsourcing_has_one(clerk, english):
    outlet = OutletFactory(branch=clerk.branch)
    with pytest.raises(ValidationFailed) as caught:
        services.contract_create(actor=clerk, data=new_contract_data(clerk.branch, kind=Contract.Kind.OUTSOURCING))
    assert "provider" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.contract_create(actor=clerk, data=new_contract_data(clerk.branch, provider=outlet))
    contract = services.contract_create(actor=clerk, data=new_contract_data(
        clerk.branch, kind=Contract.Kind.OUTSOURCING, provider=outlet))
    assert contract.provider == outlet


def test_a_rental_contract_needs_its_monthly_quota(clerk):
    with pytest.raises(ValidationFailed) as caught:
        services.contract_create(actor=clerk, data=new_contract_data(clerk.branch, kind=Contract.Kind.RENTAL))
    assert "monthly_quota" in caught.value.fields


def test_activating_a_draft_records_who_and_when(clerk):
    contract = contract_of(clerk.branch, status=Contract.Status.DRAFT)
    services.contract_activate(actor=clerk, contract=contract)
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE
    change = contract.changes.get()
    assert (change.kind, change.actor) == (ContractChange.Kind.ACTIVATE, clerk)
    event = AuditEvent.objects.get(verb="activate", object_id=str(contract.pk))
    assert event.changes["status"] == ["draft", "active"]


@pytest.mark.parametrize("status", [Contract.Status.ACTIVE, Contract.Status.TERMINATED, Contract.Status.EXPIRED])
def test_only_a_draft_can_be_activated(clerk, status):
    contract = contract_of(clerk.branch, status=status)
    with pytest.raises(Conflict):
        services.contract_activate(actor=clerk, contract=contract)
    contract.refresh_from_db()
    assert contract.status == status and not contract.changes.exists()


def test_a_draft_whose_end_has_passed_cannot_be_activated(clerk):
    contract = contract_of(clerk.branch, status=Contract.Status.DRAFT, end_date=days(-1))
    with pytest.raises(Conflict):
        services.contract_activate(actor=clerk, contract=contract)


def test_an_extension_moves_the_end_and_keeps_old_and_new_end_with_the_reason(clerk):
    contract = contract_of(clerk.branch)
    old_end = contract.end_date
    services.contract_extend(actor=clerk, contract=contract, new_end=days(200), reason="客户追加半年")
    contract.refresh_from_db()
    assert contract.end_date == days(200) and contract.status == Contract.Status.ACTIVE
    change = contract.changes.get()
    assert (change.kind, change.old_end, change.new_end, change.reason) == ("extend", old_end, days(200), "客户追加半年")
    assert AuditEvent.objects.get(verb="extend").changes == {"end_date": [old_end.isoformat(), days(200).isoformat()]}


def test_an_extension_must_end_later_and_give_a_reason(clerk):
    contract = contract_of(clerk.branch)
    with pytest.raises(ValidationFailed) as caught:
        services.contract_extend(actor=clerk, contract=contract, new_end=contract.end_date, reason="x")
    assert "new_end" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.contract_extend(actor=clerk, contract=contract, new_end=days(400), reason="  ")
    assert not contract.changes.exists()


def test_extending_an_expired_contract_makes_it_active_again(clerk):
    contract = contract_of(clerk.branch, status=Contract.Status.EXPIRED, end_date=days(-3))
    services.contract_extend(actor=clerk, contract=contract, new_end=days(90), reason="补签")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.ACTIVE and contract.end_date == days(90)


@pytest.mark.parametrize("status", [Contract.Status.DRAFT, Contract.Status.TERMINATED])
def test_drafts_and_terminated_contracts_cannot_be_extended(clerk, status):
    contract = contract_of(clerk.branch, status=status)
    with pytest.raises(Conflict):
        services.contract_extend(actor=clerk, contract=contract, new_end=days(400), reason="x")


def test_a_renewal_is_a_new_active_contract_for_the_next_period_with_the_devices(clerk):
    contract = contract_of(clerk.branch, response_hours=4, parts_pct=80, start_date=days(-299), end_date=days(65))
    links = ContractDeviceFactory.create_batch(2, contract=contract)
    new = services.contract_renew(actor=clerk, contract=contract)
    assert new.renewed_from == contract and new.status == Contract.Status.ACTIVE
    assert new.start_date == days(66) and new.end_date == days(66 + 364)
    assert (new.response_hours, new.parts_pct, new.customer) == (4, 80, contract.customer)
    assert set(new.covered.values_list("device", flat=True)) == {link.device_id for link in links}
    assert new.code == f"{contract.code}-R2"
    assert contract.changes.get().kind == ContractChange.Kind.RENEW


def test_a_contract_is_renewed_once(clerk):
    contract = contract_of(clerk.branch)
    services.contract_renew(actor=clerk, contract=contract)
    with pytest.raises(Conflict):
        services.contract_renew(actor=clerk, contract=contract, code="HT-OTHER")
    assert Contract.objects.filter(renewed_from=contract).count() == 1


def test_terminating_needs_a_reason_and_is_final(clerk):
    contract = contract_of(clerk.branch)
    with pytest.raises(ValidationFailed):
        services.contract_terminate(actor=clerk, contract=contract, reason="")
    services.contract_terminate(actor=clerk, contract=contract, reason="客户停业")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.TERMINATED and contract.terminated_reason == "客户停业"
    for move in (lambda: services.contract_activate(actor=clerk, contract=contract),
                 lambda: services.contract_terminate(actor=clerk, contract=contract, reason="again"),
                 lambda: services.contract_renew(actor=clerk, contract=contract)):
        with pytest.raises(Conflict):
            move()


def test_the_daily_expiry_moves_only_active_contracts_past_their_end(branch):
    past = contract_of(branch, end_date=days(-1))
    today_ends = contract_of(branch, end_date=days(0))
    draft = contract_of(branch, status=Contract.Status.DRAFT, end_date=days(-1))
    from xiuhao.contracts.jobs import expire_contracts

    expire_contracts.call_local()
    assert Contract.objects.get(pk=past.pk).status == Contract.Status.EXPIRED
    assert Contract.objects.get(pk=today_ends.pk).status == Contract.Status.ACTIVE
    assert Contract.objects.get(pk=draft.pk).status == Contract.Status.DRAFT
    assert past.changes.get().kind == ContractChange.Kind.EXPIRE
    assert services.contracts_expire() == 0  # a second run finds nothing


def test_the_period_of_an_active_contract_changes_only_by_extension(clerk):
    contract = contract_of(clerk.branch)
    with pytest.raises(ValidationFailed):
        services.contract_update(actor=clerk, obj=contract, data={"end_date": days(500)})
    services.contract_update(actor=clerk, obj=contract, data={"name": "新名称"})
    assert Contract.objects.get(pk=contract.pk).name == "新名称"


def test_only_drafts_may_be_deleted(clerk):
    active = contract_of(clerk.branch)
    with pytest.raises(Conflict):
        services.contract_delete(actor=clerk, obj=active)
    draft = contract_of(clerk.branch, status=Contract.Status.DRAFT)
    services.contract_delete(actor=clerk, obj=draft)
    assert not Contract.objects.filter(pk=draft.pk).exists()


def test_a_move_needs_the_change_permission_and_the_data_scope(clerk):
    from xiuhao.core.errors import NotFound, PermissionDenied
    from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

    elsewhere = contract_of(BranchFactory())
    with pytest.raises(NotFound):
        services.contract_terminate(actor=clerk, contract=elsewhere, reason="x")
    viewer = UserFactory(branch=clerk.branch)
    grant(viewer, "contracts.view_contract")
    with pytest.raises(PermissionDenied):
        services.contract_terminate(actor=viewer, contract=contract_of(clerk.branch), reason="x")
