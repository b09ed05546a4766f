"""Every declared status move (core.moves), from its declaration: it is offered and allowed from
its source statuses only, needs its permission, stays within the data scope (a record the user
may not see answers like a missing one), writes its audit event and honours Idempotency-Key.
The input of each move comes from the model's CrudCase (`moves=`)."""

import itertools

import pytest
from django.db.models import Max

from xiuhao.core.models import AuditEvent
from xiuhao.core.registry import registry
from xiuhao.core.testing import load_cases, model_permissions
from xiuhao.org.tests.factories import BranchFactory, OutletFactory, RoleFactory, UserFactory

CASES = load_cases()
MOVES = [(config, move) for config in registry if config.api for move in config.page_moves()]
CONFIGS_WITH_MOVES = list({config.key: config for config, _move in MOVES}.values())


def move_ids(pairs):
    return [f"{config.key}.{move.name}" for config, move in pairs]


def statuses(config):
    return [value for value, _label in config.model._meta.get_field(config.machine.field).flatchoices]


def test_every_model_with_moves_is_covered():
    assert MOVES, "no declared moves found"
    for config in CONFIGS_WITH_MOVES:
        assert config.key in CASES, f"declare a CrudCase for {config.key}"
        for move in config.page_moves():
            assert move.service is not None, f"no service implements {config.key}.{move.name}"
            assert set(move.sources) <= set(statuses(config)), f"{config.key}.{move.name}: unknown source status"


@pytest.fixture
def world(db):
    branch = BranchFactory()
    return branch, OutletFactory(branch=branch)


def user_for(config, branch, actions=("view", "add", "change", "delete")):
    """A user of `branch` seeing its branch, holding the model's permissions for `actions`."""
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="branch")
    role.permissions.set(model_permissions(config.model, actions))
    user.roles.add(role)
    return user


def make_in(config, move, branch, outlet, status, user):
    case = CASES[config.key]
    obj = (case.make_for_moves or case.make)(branch, outlet)
    config.model._default_manager.filter(pk=obj.pk).update(**{config.machine.field: status})
    obj.refresh_from_db()
    if case.prepare_move is not None:
        case.prepare_move(obj, move.name, user)
        obj.refresh_from_db()
    return obj


def input_for(config, move, obj):
    given = CASES[config.key].moves.get(move.name)
    if given is not None:
        return given(obj)
    return {"reason": "测试原因"} if move.form is not None and "reason" in move.form.base_fields else {}


def api_url(config, move, pk):
    return f"/api/v1/{config.url_prefix}/{pk}/{move.name}/"


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def events(obj, verb):
    return AuditEvent.objects.filter(object_id=str(obj.pk), verb=verb,
                                     content_type__model=obj._meta.model_name).count()


def status_of(obj):
    obj.refresh_from_db()
    return getattr(obj, type(obj).moves.field)


@pytest.mark.parametrize(("config", "move"), MOVES, ids=move_ids(MOVES))
def test_a_move_is_offered_and_made_from_each_of_its_source_statuses(client, world, config, move):
    branch, outlet = world
    user = user_for(config, branch)
    client.force_login(user)
    for source in move.sources:
        obj = make_in(config, move, branch, outlet, source, user)
        detail = client.get(config.url("detail", obj)).content.decode()
        assert config.url(move.name, obj) in detail, f"no {move.name} button in status {source}"
        response = post(client, api_url(config, move, obj.pk), input_for(config, move, obj))
        assert response.status_code == (201 if move.creates else 200), (source, response.content)
        if move.target is not None:
            assert status_of(obj) == move.target
        assert events(obj, move.verb) == 1, f"{move.name} from {source}: one audit event"


@pytest.mark.parametrize(("config", "move"), MOVES, ids=move_ids(MOVES))
def test_a_move_is_neither_offered_nor_made_from_other_statuses(client, world, config, move):
    branch, outlet = world
    user = user_for(config, branch)
    client.force_login(user)
    for status in set(statuses(config)) - set(move.sources):
        obj = make_in(config, move, branch, outlet, status, user)
        detail = client.get(config.url("detail", obj)).content.decode()
        assert config.url(move.name, obj) not in detail, f"{move.name} offered in status {status}"
        response = post(client, api_url(config, move, obj.pk), input_for(config, move, obj))
        assert response.status_code == 409, (status, response.content)
        assert response.json()["error"]["code"] == "wrong_status"
        assert status_of(obj) == status and events(obj, move.verb) == 0
        page = client.post(config.url(move.name, obj), input_for(config, move, obj))
        assert status_of(obj) == status and page.status_code in (302, 400)


@pytest.mark.parametrize(("config", "move"), MOVES, ids=move_ids(MOVES))
def test_a_move_needs_its_permission(client, world, config, move):
    branch, outlet = world
    user = user_for(config, branch, actions=("view",))
    source = move.sources[0]
    obj = make_in(config, move, branch, outlet, source, user)
    client.force_login(user)
    assert config.url(move.name, obj) not in client.get(config.url("detail", obj)).content.decode()
    assert post(client, api_url(config, move, obj.pk), input_for(config, move, obj)).status_code == 403
    assert client.post(config.url(move.name, obj), input_for(config, move, obj)).status_code == 403
    assert status_of(obj) == source and events(obj, move.verb) == 0


@pytest.mark.parametrize(("config", "move"), MOVES, ids=move_ids(MOVES))
def test_a_record_outside_the_data_scope_answers_like_a_missing_one(client, world, config, move):
    branch, outlet = world
    other = BranchFactory()
    user = user_for(config, branch)
    obj = make_in(config, move, other, OutletFactory(branch=other), move.sources[0], user)
    client.force_login(user)
    missing = (config.model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1000
    hidden = post(client, api_url(config, move, obj.pk), input_for(config, move, obj))
    absent = post(client, api_url(config, move, missing), input_for(config, move, obj))
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == absent.json()
    assert client.get(config.url(move.name, obj)).status_code == 404
    assert status_of(obj) == move.sources[0] and events(obj, move.verb) == 0


@pytest.mark.parametrize(("config", "move"), MOVES, ids=move_ids(MOVES))
def test_a_move_repeated_with_the_same_idempotency_key_is_made_once(client, world, config, move):
    branch, outlet = world
    user = user_for(config, branch)
    obj = make_in(config, move, branch, outlet, move.sources[0], user)
    client.force_login(user)
    body = input_for(config, move, obj)
    first = post(client, api_url(config, move, obj.pk), body, HTTP_IDEMPOTENCY_KEY="move-1")
    second = post(client, api_url(config, move, obj.pk), body, HTTP_IDEMPOTENCY_KEY="move-1")
    assert first.status_code == second.status_code == (201 if move.creates else 200)
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert events(obj, move.verb) == 1


@pytest.mark.parametrize("config", CONFIGS_WITH_MOVES, ids=[c.key for c in CONFIGS_WITH_MOVES])
def test_the_schema_documents_each_moves_error_codes(client, world, config):
    branch, _outlet = world
    client.force_login(UserFactory(branch=branch, is_superuser=True))
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for move in config.page_moves():
        operation = schema["paths"][f"/api/v1/{config.url_prefix}/{{id}}/{move.name}/"]["post"]
        codes = set(itertools.chain.from_iterable(operation["x-error-codes"].values()))
        assert {"wrong_status", "permission_denied", "not_found"} <= codes
        assert {r.code for r in move.refusals} <= codes
        conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]["allOf"][1]
        assert "wrong_status" in conflict["properties"]["error"]["properties"]["code"]["enum"]
