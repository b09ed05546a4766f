"""Chinese text helpers for finding customers: pinyin and initials of names (with the common
readings of polyphonic characters), phone digits, and the normalised name of the duplicate check.

Pure functions, no database: the services store their results in the search columns.
"""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

# Readings kept per polyphonic character besides the one pypinyin picks from context (its
# phrase dictionary knows 重庆 = chongqing, 银行 = yinhang). pypinyin lists the common readings
# first; rarer ones would only add noise.
ALTERNATE_READINGS = 2
MAX_VARIANTS = 4  # stored readings per name: the contextual one and a few alternatives

_NON_WORD = re.compile(r"[^0-9a-z\u3007\u3400-\u9fff]+")
_LATIN = re.compile(r"[0-9a-z]+")


def _is_han(ch):
    return "\u3400" <= ch <= "\u9fff"


@lru_cache(maxsize=8192)
def _common_readings(ch):
    return tuple(pinyin(ch, heteronym=True, style=Style.NORMAL)[0][:ALTERNATE_READINGS])


def reading_variants(name: str) -> list[list[str]]:
    """Readings of `name` as syllable lists: the contextual reading first, then variants where
    one polyphonic character takes another common reading (厦门 → xiamen, shamen)."""
    return [list(v) for v in _reading_variants(name)]


@lru_cache(maxsize=4096)
def _reading_variants(name: str) -> tuple:
    text = unicodedata.normalize("NFKC", name or "")
    parts = lazy_pinyin(text, style=Style.NORMAL, errors="default")
    base, chars = [], []
    for part, ch in zip(parts, _han_or_none(text, parts), strict=True):
        words = [part] if ch else _LATIN.findall(part.lower())
        base.extend(words)
        chars.extend([ch] * len(words) if ch else [None] * len(words))
    variants = [base]
    for slot, ch in enumerate(chars):
        if ch is None:
            continue
        for reading in _common_readings(ch):
            if len(variants) >= MAX_VARIANTS:
                return tuple(tuple(v) for v in variants)
            if reading != base[slot] and reading.isalpha():
                variant = [*base[:slot], reading, *base[slot + 1:]]
                if variant not in variants:
                    variants.append(variant)
    return tuple(tuple(v) for v in variants)


def _han_or_none(text, parts):
    """For each item of lazy_pinyin(text): the Han character it reads, or None (a Latin or
    punctuation run). lazy_pinyin gives one item per Han character and one per other run."""
    out, pos = [], 0
    for part in parts:
        ch = text[pos] if pos < len(text) else ""
        if _is_han(ch):
            out.append(ch)
            pos += 1
        else:
            out.append(None)
            pos += len(part)
    return out


def name_pinyin(name: str) -> str:
    """Full pinyin of every reading, joined without spaces, readings separated by a space:
    "厦门大学" → "xiamendaxue shamendaxue"."""
    return " ".join("".join(v) for v in reading_variants(name))


def name_initials(name: str) -> str:
    """Initials of every reading: "深圳人民医院" → "szrmyy …"; Latin words give their first
    letter ("GE医疗" → "gyl")."""
    out = []
    for variant in reading_variants(name):
        initials = "".join(s[0] for s in variant if s)
        if initials and initials not in out:
            out.append(initials)
    return " ".join(out)


def fit(text: str, limit: int) -> str:
    """Cut a space-separated list to `limit` characters at a separator (no half entries)."""
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit + 1)].rstrip() if " " in text[:limit] else text[:limit]


# -- phones --------------------------------------------------------------------------------------

MIN_PHONE_DIGITS = 3


def digits_of(phone: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))


def phone_digits(phones) -> str:
    """The digits of each phone, each followed by a space and the whole led by one: " 075588001234
    13800138000 ". A search for a phone tail looks for "<tail> " — the space marks the end of a
    number, so "1234" finds ...1234 and not ...12345; the whole number is " <digits> "."""
    seen = []
    for phone in phones:
        digits = digits_of(phone)
        if len(digits) >= MIN_PHONE_DIGITS and digits not in seen:
            seen.append(digits)
    return f" {' '.join(seen)} " if seen else ""


def looks_like_phone(text: str) -> str:
    """The digits of a search text that is a phone number or its tail (digits, spaces, + - ( )),
    else ""."""
    if not re.fullmatch(r"[\d\s+\-()（）]+", text or ""):
        return ""
    return digits_of(text)


# -- duplicate check ------------------------------------------------------------------------------

# Company-form words that do not tell two customers apart, longest first.
_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "分公司",
             "公司", "集团", "coltd", "colimited", "limited", "ltd", "inc", "corp", "company", "co")


def normalize_name(name: str) -> str:
    """The name as the duplicate check compares it: full-width folded, lower case, no spaces,
    brackets or punctuation, company-form suffixes removed ("深圳迈瑞（南山）股份有限公司" and
    "深圳 迈瑞(南山)有限公司" are the same)."""
    text = _NON_WORD.sub("", unicodedata.normalize("NFKC", name or "").lower())
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def normalize_tax_no(value: str) -> str:
    """The unified social credit code 统一社会信用代码 without spaces, upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()
