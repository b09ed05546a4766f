import pytest

from xiuhao.org.tests.factories import BranchFactory, user_with

ALL = [f"customers.{a}_{m}" for m in ("customer", "contact", "address")
       for a in ("view", "add", "change", "delete", "export", "import")]


def customer_manager(branch=None, scope="all", **kwargs):
    """A user holding every customers permission with the given data scope."""
    return user_with(*ALL, data_scope=scope, branch=branch or BranchFactory(), **kwargs)


@pytest.fixture
def manager(db):
    return customer_manager(scope="all")

