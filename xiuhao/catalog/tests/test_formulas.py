"""Property tests of the fee formula evaluator and the mileage rule (hypothesis)."""

import ast
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiuhao.catalog import formulas, services
from xiuhao.catalog.models import MileageBand
from xiuhao.core.errors import ValidationFailed

TOKENS = [
    "km", "hours", "base", "tier", "door_fee", "parts_amount", "visits", "min", "max", "round", "ceil", "floor",
    "abs", "1", "0", "2.5", "1e3", "9" * 30, "+", "-", "*", "/", "//", "%", "**", "(", ")", ",", "==", "<", ">=",
    " if ", " else ", " and ", " or ", "not ", '"gold"', "'x'", ".", "__class__", "__import__", "os", "open",
    "eval", "exec", "getattr", "globals", "[", "]", "{", "}", ":", "lambda", "for", " in ", "=", ";", "\n",
    "x", "_", "real", "\x00", "\\", "#", "@", "…", "中文", "1j", "None", "True",
]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gives_a_number_or_a_clean_formula_error(text):
    try:
        value = formulas.evaluate(text, {})
    except formulas.FormulaError as exc:
        assert str(exc.message)
    else:
        assert isinstance(value, Decimal)


@pytest.fixture
def watched(monkeypatch):
    """Fail loudly if the evaluator ever reaches attributes, subscripts or an unlisted call."""

    def forbidden(self, node):
        raise AssertionError(f"evaluated {type(node).__name__}")

    original_call = formulas._Evaluator._eval_call

    def call(self, node):
        assert isinstance(node.func, ast.Name) and node.func.id in formulas.FUNCTIONS, ast.dump(node)
        return original_call(self, node)

    monkeypatch.setattr(formulas._Evaluator, "_eval_attribute", forbidden)
    monkeypatch.setattr(formulas._Evaluator, "_eval_subscript", forbidden)
    monkeypatch.setattr(formulas._Evaluator, "_eval_call", call)


# The patches of `watched` are the same for every example: sharing the fixture is intended.
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25))
def test_token_soup_never_escapes_the_allow_list(watched, tokens):
    text = "".join(tokens)
    try:
        value = formulas.evaluate(text, {"km": Decimal("12.5"), "tier": "gold"})
    except formulas.FormulaError:
        return
    assert isinstance(value, Decimal)
    tree = ast.parse(text.strip(), mode="eval")
    for node in ast.walk(tree):
        assert not isinstance(node, ast.Attribute | ast.Subscript | ast.Lambda)
        if isinstance(node, ast.Name):
            assert node.id in formulas.VARIABLES or node.id in formulas.FUNCTIONS


@pytest.mark.parametrize("text", [
    "().__class__.__bases__[0].__subclasses__()", "__import__('os').system('true')", "open('/etc/passwd')",
    "km.real", "[x for x in (1, 2)]", "(lambda: 1)()", "min(*[1, 2])", "round(km, ndigits=2)", "'a' * 10**6",
    "9 ** 9 ** 9", "10 ** 11 * 10", "1/0", "km % 0", "", "   ", "min", "x = 1", "1; 2",
])
def test_dangerous_or_broken_formulas_are_refused(watched, text):
    with pytest.raises(formulas.FormulaError):
        formulas.evaluate(text, {})


amounts = st.decimals(min_value=0, max_value=Decimal("99999"), places=2)


@settings(max_examples=200, deadline=None)
@given(hours=amounts, rate=amounts, km=amounts)
def test_arithmetic_is_exact_decimal_arithmetic(hours, rate, km):
    value = formulas.evaluate("hours * labour_per_hour + km * 0.1 - 0.3",
                              {"hours": hours, "labour_per_hour": rate, "km": km})
    assert value == hours * rate + km * Decimal("0.1") - Decimal("0.3")


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-10000, max_value=10000, places=3), st.integers(min_value=0, max_value=4))
def test_round_is_half_up(x, places):
    expected = x.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    assert formulas.evaluate(f"round({x}, {places})", {}) == expected


# -- mileage bands -------------------------------------------------------------------------------------------
@st.composite
def bands_and_km(draw):
    cuts = sorted(draw(st.sets(st.decimals(min_value=1, max_value=2000, places=1), min_size=0, max_size=5)))
    starts = [Decimal("0"), *cuts]
    open_end = draw(st.booleans())
    last = draw(st.decimals(min_value=starts[-1] + 1, max_value=starts[-1] + 500, places=1))
    ends = [*cuts, None if open_end else last]
    bands = [MileageBand(from_km=s, to_km=e, fixed_fee=draw(amounts), per_km=draw(amounts))
             for s, e in zip(starts, ends, strict=True)]
    km = draw(st.decimals(min_value=0, max_value=last + 100, places=1))
    return bands, km, open_end, last


@settings(max_examples=300, deadline=None)
@given(bands_and_km())
def test_mileage_fee_is_fixed_plus_per_km_beyond_the_start_of_the_covering_band(case):
    bands, km, open_end, last = case
    covering = [b for b in bands if b.from_km <= km and (b.to_km is None or km < b.to_km)]
    if not covering:
        assert not open_end and km >= last
        with pytest.raises(ValidationFailed):
            services.mileage_amount(reversed(bands), km)
        return
    assert len(covering) == 1
    band = covering[0]
    assert services.mileage_amount(reversed(bands), km) == band.fixed_fee + band.per_km * (km - band.from_km)


def test_no_bands_means_no_mileage_fee():
    assert services.mileage_amount([], Decimal("123")) == 0
