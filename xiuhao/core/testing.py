"""Generic test harness: declare a CrudCase per registered model and the suite derives CRUD
page and API tests and the data-scope matrix for it (see core/tests/test_registry_*.py).

    crud_case("org.branch", make=lambda branch, outlet: branch,
              data=lambda branch: {"code": "sz", "name": "深圳分公司", "status": "active"},
              update={"phone": "0755-1234"})
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType


@dataclass
class CrudCase:
    key: str
    make: object  # (branch, outlet) -> an object anchored in that branch (and outlet, if any)
    data: object  # (branch) -> valid create input {field: value}; objects as model instances
    update: dict = field(default_factory=dict)  # field -> new value for the edit tests
    global_data: bool = False  # reference data without data scope (regions, skills, dictionaries)
    # Declared status moves (core.moves), tested by core/tests/test_moves.py for every move:
    # {move name: fn(obj) -> valid input}; a move left out sends {} (or a reason, if it asks one).
    moves: dict = field(default_factory=dict)
    # (branch, outlet) -> an object whose every status the move tests may set (default: `make`)
    make_for_moves: object = None
    # fn(obj, move name, user) called before a move is made, for moves whose own rule (a guard)
    # asks more than status and permission (e.g. the user must hold the task)
    prepare_move: object = None


CASES: dict[str, CrudCase] = {}


def crud_case(key, **kwargs):
    CASES[key] = CrudCase(key=key, **kwargs)


def load_cases():
    from .contributions import discover

    discover("tests.crud_cases")
    return CASES


def model_permissions(model, actions=("view", "add", "change", "delete", "export", "import"), sensitive=True):
    """The permissions of `actions` on `model`, and (unless `sensitive` is False) those that show
    its sensitive fields (core.visibility)."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    codenames = [f"{a}_{model._meta.model_name}" for a in actions]
    perms = list(Permission.objects.filter(content_type=ct, codename__in=codenames))
    if sensitive:
        perms += sensitive_permissions(model)
    return perms


def sensitive_permissions(model):
    """The permissions that show `model`'s sensitive fields."""
    from .visibility import declared

    wanted = {tuple(p.split(".", 1)) for p in declared(model).values()}
    found = Permission.objects.filter(codename__in={c for _a, c in wanted}).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    return value


def as_form_data(data: dict) -> dict:
    out = {}
    for k, v in data.items():
        if isinstance(v, list | tuple):
            out[k] = [_plain(x) for x in v]
        elif v is True:
            out[k] = "on"
        elif v is False:
            continue
        elif v is None:
            out[k] = ""
        else:
            out[k] = _plain(v)
    return out


def as_api_data(data: dict) -> dict:
    return {k: ([_plain(x) for x in v] if isinstance(v, list | tuple) else _plain(v)) for k, v in data.items()}
