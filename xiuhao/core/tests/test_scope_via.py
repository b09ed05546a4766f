"""ScopeFields.via("parent"): a child record's scope is its parent's, derived from the parent's
own declaration (also when the parent's is itself a via), and a wrong parent is reported by the
system check."""

# ruff: noqa: DJ008  (throwaway models of the tests need no __str__)

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from xiuhao.contracts.models import ContractDevice
from xiuhao.core.scope import ScopeFields, check_scope_fields, scope_fields_errors
from xiuhao.org.models import Branch, EngineerSkill


def paths(spec):
    return (spec.branch, spec.department, spec.owner, spec.outlet)


def test_via_puts_the_parents_paths_behind_the_foreign_key():
    assert paths(ContractDevice.scope_fields) == (
        "contract__branch", "contract__department", "contract__owner", "contract__provider")


def test_via_of_a_via_follows_both_links():
    # EngineerSkill → engineer (via "user") → user, whose own record is its owner ("pk").
    assert paths(EngineerSkill.scope_fields) == (
        "engineer__user__branch", "engineer__user__department", "engineer__user", "engineer__user__outlet")


@isolate_apps("xiuhao.core")
def test_a_parent_declared_later_is_read_when_first_used():
    class Child(models.Model):
        parent = models.ForeignKey("Parent", on_delete=models.CASCADE)
        scope_fields = ScopeFields.via("parent")

    class Parent(models.Model):
        branch = models.ForeignKey(Branch, on_delete=models.CASCADE)
        scope_fields = ScopeFields(branch="branch", department=None, owner=None)

    assert paths(Child.scope_fields) == ("parent__branch", None, None, None)


@isolate_apps("xiuhao.core")
def test_an_unknown_parent_field_is_a_clear_check_error():
    class Orphan(models.Model):
        scope_fields = ScopeFields.via("contract")

    errors = scope_fields_errors([Orphan])
    assert [e.id for e in errors] == ["core.E001"]
    assert "Orphan has no field 'contract'" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        Orphan.scope_fields.branch  # noqa: B018


@isolate_apps("xiuhao.core")
def test_a_parent_without_scope_or_a_plain_field_is_a_check_error():
    class Plain(models.Model):
        name = models.CharField(max_length=10)

    class ByText(models.Model):
        name = models.CharField(max_length=10)
        scope_fields = ScopeFields.via("name")

    class ByUnscoped(models.Model):
        plain = models.ForeignKey(Plain, on_delete=models.CASCADE)
        scope_fields = ScopeFields.via("plain")

    messages = [e.msg for e in scope_fields_errors([ByText, ByUnscoped])]
    assert "'name' is not a foreign key" in messages[0]
    assert "has no scope_fields" in messages[1]


def test_one_via_is_not_shared_by_two_models():
    spec = ScopeFields.via("user")
    type("A", (), {"scope_fields": spec})
    with pytest.raises((TypeError, RuntimeError)) as raised:  # Python < 3.12 wraps it in a RuntimeError
        type("B", (), {"scope_fields": spec})
    error = raised.value.__cause__ or raised.value
    assert "already the scope of A" in str(error)


def test_every_model_of_the_project_resolves():
    assert check_scope_fields() == []
