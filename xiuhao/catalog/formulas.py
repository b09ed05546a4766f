"""The custom fee formula language 自定义费用计算: one arithmetic expression over documented
variables, evaluated with Decimal arithmetic by a restricted `simpleeval` evaluator.

User text is never handed to Python's eval. Before evaluating, the parsed tree is checked
against an allow-list (numbers, short string constants for `tier`, the variables below,
+ − × ÷ // % **, comparisons, and/or/not, `a if condition else b`, and calls of the functions
below by name). Attributes, subscripts, lambdas, comprehensions, keyword arguments and unknown
names are refused before anything runs; every failure — syntax, unknown name, division by zero,
a too large number — surfaces as FormulaError with a message in the user's language.
"""

import ast
import decimal
import operator
import warnings
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simpleeval import InvalidExpression, SimpleEval

MAX_LENGTH = 500  # characters of formula text
MAX_NODES = 200  # syntax-tree nodes
MAX_POWER = 10  # largest exponent of **
MAX_STRING = 30  # characters of a string constant (tier names)
LIMIT = Decimal("1e12")  # no value of the computation may reach a trillion yuan
CENT = Decimal("0.01")

# name -> (help text, sample value for the check when a formula is saved)
VARIABLES = {
    "door_fee": (gettext_lazy("door fee of the standard (per visit)"), Decimal("100")),
    "labour_per_hour": (gettext_lazy("labour rate per hour of the standard"), Decimal("80")),
    "hours": (gettext_lazy("labour hours"), Decimal("2")),
    "km": (gettext_lazy("one-way distance in km"), Decimal("35")),
    "visits": (gettext_lazy("number of visits (default 1)"), Decimal("1")),
    "door_amount": (gettext_lazy("door fee line: door_fee × visits"), Decimal("100")),
    "labour_fee": (gettext_lazy("labour line: labour_per_hour × hours"), Decimal("160")),
    "mileage_fee": (gettext_lazy("mileage line from the mileage bands (all visits)"), Decimal("70")),
    "parts_amount": (gettext_lazy("amount of the parts used"), Decimal("500")),
    "base": (gettext_lazy("door + labour + mileage lines"), Decimal("330")),
    "tier": (gettext_lazy("customer tier: \"gold\", \"silver\" or \"standard\""), "standard"),
}


class FormulaError(Exception):
    """The formula cannot be used; `message` says why in the user's language."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def _number(value):
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    raise FormulaError(_("Only numbers can be calculated with (a text such as a tier name can only be compared)."))


def _checked(value):
    if isinstance(value, Decimal) and (not value.is_finite() or abs(value) >= LIMIT):
        raise FormulaError(_("A value of the calculation is too large."))
    return value


def _arith(fn):
    def run(*args):
        return _checked(fn(*(_number(a) for a in args)))

    return run


def _power(base, exponent):
    if exponent != exponent.to_integral_value() or abs(exponent) > MAX_POWER:
        raise FormulaError(_("Powers are limited to whole exponents between -%(max)s and %(max)s.") % {"max": MAX_POWER})
    return base ** int(exponent)


def _round(value, places=0):
    places = _number(places)
    if places != places.to_integral_value() or not 0 <= places <= 4:
        raise FormulaError(_("round() keeps 0 to 4 decimal places."))
    return _number(value).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)


def _arity(name, fn, low, high=None):
    def run(*args):
        if len(args) < low or (high is not None and len(args) > high):
            raise FormulaError(_("Wrong number of arguments for %(name)s().") % {"name": name})
        return _checked(fn(*args))

    return run


FUNCTIONS = {
    "min": _arity("min", lambda *a: min(_number(x) for x in a), 1, 20),
    "max": _arity("max", lambda *a: max(_number(x) for x in a), 1, 20),
    "round": _arity("round", _round, 1, 2),
    "ceil": _arity("ceil", lambda x: _number(x).to_integral_value(rounding=ROUND_CEILING), 1, 1),
    "floor": _arity("floor", lambda x: _number(x).to_integral_value(rounding=ROUND_FLOOR), 1, 1),
    "abs": _arity("abs", lambda x: abs(_number(x)), 1, 1),
}

OPERATORS = {
    ast.Add: _arith(operator.add), ast.Sub: _arith(operator.sub), ast.Mult: _arith(operator.mul),
    ast.Div: _arith(operator.truediv), ast.FloorDiv: _arith(operator.floordiv), ast.Mod: _arith(operator.mod),
    ast.Pow: _arith(_power), ast.USub: _arith(operator.neg), ast.UAdd: _arith(operator.pos),
    ast.Not: operator.not_,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
    ast.Lt: _arith(operator.lt), ast.LtE: _arith(operator.le), ast.Gt: _arith(operator.gt), ast.GtE: _arith(operator.ge),
}

ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.Name,
                 ast.Constant, ast.Load, ast.And, ast.Or, *OPERATORS)


class _Evaluator(SimpleEval):
    """simpleeval with Decimal literals (never binary floats)."""

    def __init__(self, names):
        super().__init__(operators=OPERATORS, functions=FUNCTIONS, names=names)
        self.nodes[ast.Constant] = self._decimal_constant

    @staticmethod
    def _decimal_constant(node):
        value = node.value
        if isinstance(value, bool) or isinstance(value, str):
            return value
        return _checked(Decimal(str(value)))


def _parse(text):
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(_("The formula is empty."))
    if len(text) > MAX_LENGTH:
        raise FormulaError(_("The formula is longer than %(max)s characters.") % {"max": MAX_LENGTH})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning "invalid decimal literal" for "1else"
            tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(_("The formula is not a valid expression (check brackets and operators).")) from exc
    return tree


def check(text):
    """Parse and check a formula against the allow-list; returns the tree. Raises FormulaError."""
    tree = _parse(text)
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(_("The formula is too long or too complex."))
    for node in nodes:
        if not isinstance(node, ALLOWED_NODES):
            what = ast.get_source_segment(text.strip(), node) or type(node).__name__
            raise FormulaError(_("“%(what)s” is not allowed in a fee formula.") % {"what": what[:40]})
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                if len(node.value) > MAX_STRING:
                    raise FormulaError(_("A text in the formula is longer than %(max)s characters.") % {"max": MAX_STRING})
            elif node.value is None or not isinstance(node.value, int | float | bool):
                raise FormulaError(_("Only numbers and short texts may appear in a fee formula."))
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else "?"
                raise FormulaError(_("Unknown function “%(name)s”; allowed: %(allowed)s.")
                                   % {"name": name, "allowed": ", ".join(FUNCTIONS)})
            if node.keywords:
                raise FormulaError(_("Functions take their arguments by position only."))
        elif isinstance(node, ast.Name) and node.id not in VARIABLES and node.id not in FUNCTIONS:
            raise FormulaError(_("Unknown name “%(name)s”; allowed: %(allowed)s.")
                               % {"name": node.id, "allowed": ", ".join(VARIABLES)})
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in FUNCTIONS and not _is_call_target(node, nodes):
            raise FormulaError(_("“%(name)s” is a function; call it with brackets.") % {"name": node.id})
    return tree


def _is_call_target(name_node, nodes):
    return any(isinstance(n, ast.Call) and n.func is name_node for n in nodes)


def evaluate(text, variables: dict) -> Decimal:
    """The formula's value for `variables` (Decimal; strings for `tier`). Raises FormulaError."""
    tree = check(text)
    names = {name: variables.get(name, sample) if not isinstance(sample, str) else str(variables.get(name, sample))
             for name, (_help, sample) in VARIABLES.items()}
    names = {k: (_number(v) if not isinstance(v, str) else v) for k, v in names.items()}
    context = decimal.Context(prec=28, traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])
    try:
        with decimal.localcontext(context):
            value = _Evaluator(names).eval(text.strip(), previously_parsed=tree.body)
            if isinstance(value, str):
                raise FormulaError(_("The formula must give an amount, not a text."))
            return _checked(_number(value))
    except FormulaError:
        raise
    except decimal.DivisionByZero as exc:
        raise FormulaError(_("The formula divides by zero.")) from exc
    except (decimal.DecimalException, OverflowError) as exc:
        raise FormulaError(_("A value of the calculation is too large or not a number.")) from exc
    except (InvalidExpression, TypeError, ValueError, ArithmeticError, RecursionError, MemoryError) as exc:
        raise FormulaError(_("The formula cannot be calculated: %(reason)s") % {"reason": type(exc).__name__}) from exc


def validate(text):
    """The check made when a fee standard is saved: allowed syntax, and a trial run on the
    sample values. Raises FormulaError."""
    evaluate(text, {})


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
