"""The contracts' operations fuzzed as the core suite does, but by a user holding every contracts
permission (the core fuzz user holds org/core permissions only, so it meets 403s here): success
answers must match the OpenAPI schema, errors must carry the error body, nothing may fail."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token

from xiuhao.core.registry import registry
from xiuhao.core.tests.test_api_fuzz import (  # noqa: F401  (fixtures)
    API,
    fuzz,
    in_process_requests,
    no_throttling,
    schema,
)
from xiuhao.org.models import Outlet
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

from .crud_cases import contract_in, rental_in
from .factories import ContractDeviceFactory, PaymentPlanFactory

OPERATIONS = [op for op in (r.ok() for r in schema.get_all_operations()) if op.path.startswith(f"{API}contracts/")]


@pytest.fixture
def contracts_world(in_process_requests, no_throttling):  # noqa: F811
    branch = BranchFactory()
    outlet = OutletFactory(branch=branch)
    contract_in(branch, None)
    link = ContractDeviceFactory(contract=contract_in(branch, outlet))
    PaymentPlanFactory(contract=link.contract)
    rental_in(branch, outlet)
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(Permission.objects.filter(content_type__app_label__in=["contracts", "assets", "customers"]))
    user.roles.add(role)
    records = {f"{API}{c.url_prefix}/": list(c.queryset(user, "view").values_list("pk", flat=True))
               for c in registry if c.api}
    assert Outlet.objects.exists()
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}, records


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_contracts_operation_answers_as_documented(operation, contracts_world):
    headers, records = contracts_world
    fuzz(operation, headers, records)
