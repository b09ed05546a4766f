"""The contracts' operations fuzzed as the core suite does, but by a user holding every contracts
permission (the core fuzz user holds org/core permissions only, so it meets 403s here): success
answers must match the OpenAPI schema, errors must carry the error body, nothing may fail."""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode

from xiuhao.core.registry import registry
from xiuhao.core.tests.test_api_fuzz import (  # noqa: F401  (fixtures)
    API,
    aim_at_records,
    checks_for,
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

    @settings(max_examples=10, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode]))
    def generated_requests(case):
        aim_at_records(case, records)
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        case.validate_response(response, checks=checks_for(operation), headers=headers)

    generated_requests()
