import pytest

from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant

ALL = [f"customers.{a}_{m}" for m in ("customer", "contact", "address")
       for a in ("view", "add", "change", "delete", "export", "import")]


def customer_manager(branch=None, scope="all", **kwargs):
    """A user holding every customers permission with the given data scope."""
    user = UserFactory(branch=branch or BranchFactory(), **kwargs)
    grant(user, *ALL, data_scope=scope)
    return user


@pytest.fixture
def manager(db):
    return customer_manager(scope="all")


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
