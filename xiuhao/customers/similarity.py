"""Are two organisation names the same organisation? The duplicate check's name comparison.

A name is reduced to a key — (region prefix, core) — before it is compared:

* full-width folded (NFKC), lower case, brackets and punctuation dropped, "(中国)" dropped,
  company-form endings dropped (有限公司, 有限责任公司, 股份有限公司, 集团, Co., Ltd., …);
* common abbreviations written out: 医科大 → 医科大学, 大附属 → 大学附属, 二院 → 第二医院,
  附一院 / 一附院 / 第一附属医院 → 附属第一医院, 人医 → 人民医院, 中医医院 → 中医院, 2 → 二 in
  ordinals (第2人民医院);
* the leading region names (province, city, county; with or without 省 / 市 / 区) taken off and
  kept apart as the region prefix; a remark in brackets at the end is dropped ("（总院）"), (GB/T 2260, from org.regions): "深圳市第二人民医院" →
  ("4403", "第二人民医院"). A region name that is part of a university's name (深圳医科大学,
  中山大学) stays in the core, in its short form, and gives no region.

Two keys are the same organisation when their regions are compatible (equal, one inside the
other, or one unknown), their ordinals are equal (第二 ≠ 第三, none ≠ 第一), their kind words are
equal (医院 ≠ 医学院 ≠ 大学), the universities they belong to are equal (if both name one) and their cores are equal or their character-bigram Dice coefficient
is at least `THRESHOLD`. Precision and recall on the pairs of tests/name_pairs.py are stated in
docs/customers.md.
"""

import re
import unicodedata
from dataclasses import dataclass

THRESHOLD = 0.8

_NUM = "一二三四五六七八九十"
_N = f"[{_NUM}]+"
_CHINA_IN_BRACKETS = re.compile(r"[(（\[【]\s*(?:中国|china|中國)\s*[)）\]】]")
_NON_WORD = re.compile(r"[^0-9a-z\u3007\u3400-\u9fff]+")

# Company-form words that do not tell two organisations apart, longest first (stripped at the end).
_COMPANY_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "分公司",
                  "公司", "集团", "coltd", "colimited", "limited", "ltd", "inc", "corp", "company", "co")

# Abbreviations written out, in this order (each pattern sees the result of the ones before).
_EXPANSIONS = [
    (re.compile(rf"附({_N})院"), r"附属第\1医院"),  # 附一院
    (re.compile(rf"(?<!第)({_N})附院"), r"附属第\1医院"),  # 一附院
    (re.compile(rf"第({_N})附属医院"), r"附属第\1医院"),  # 第一附属医院
    (re.compile(r"附院$"), "附属医院"),
    (re.compile(r"(?<![第学])医大(?!学)"), "医科大学"),  # 南方医大
    (re.compile(r"医科大(?!学)"), "医科大学"),  # 深圳医科大附属…
    (re.compile(r"中医药大(?!学)"), "中医药大学"),
    (re.compile(r"大附属"), "大学附属"),
    (re.compile(rf"(?<![第{_NUM}])({_N})人医$"), r"第\1人民医院"),  # 市一人医
    (re.compile(rf"第({_N})人医$"), r"第\1人民医院"),
    (re.compile(r"人医$"), "人民医院"),
    (re.compile(rf"(?<![第{_NUM}])({_N})院$"), r"第\1医院"),  # 附属二院
    (re.compile(rf"第({_N})院$"), r"第\1医院"),
    (re.compile(r"中医医院$"), "中医院"),
    (re.compile(r"妇幼保健医院$"), "妇幼保健院"),
]

# Words after a region name that make it part of an institution's own name (深圳医科大学, 中山大学).
_INSTITUTION_WORDS = ("大学", "医科大学", "医学院", "医科", "中医药大学", "师范", "理工", "科技大学", "工业大学",
                      "交通大学", "财经", "农业大学", "职业")
# A bare kind word is no name of its own: "和平医院" keeps 和平.
_BARE = {"医院", "诊所", "公司", "中心", "学院", "大学", "卫生院", "门诊部", "研究所", "研究院"}
# Kind words, longest first: the kind of organisation a name ends with.
_KINDS = ("社区卫生服务中心", "妇幼保健院", "卫生服务站", "医学检验所", "医学检验实验室", "体检中心", "门诊部", "卫生院",
          "医学院", "中医院", "医院", "诊所", "大学", "学院", "研究所", "研究院", "实验室", "检验所", "中心", "药房",
          "药店", "工厂", "厂")
_ORDINAL = re.compile(rf"第{_N}|\d+")
_HEAD = re.compile(r"^.*?(?:大学|医学院|学院)")  # the university or college a hospital belongs to
# A remark in brackets at the end ("（总院）", "（湖北省人民医院）") is no part of the name.
_TRAILING_REMARK = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]\s*$")


def _cn_number(n: int) -> str:
    if n <= 10:
        return _NUM[n - 1] if n else "零"
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUM[tens - 1]) + "十" + (_NUM[ones - 1] if ones else "")


def _ordinal_digits(text: str) -> str:
    """Arabic ordinals of hospitals in Chinese numerals: 第2人民医院 → 第二人民医院, 附属3院 → 附属三院."""
    text = re.sub(r"第(\d{1,2})(?!\d)", lambda m: "第" + _cn_number(int(m.group(1))), text)
    return re.sub(r"(?<!\d)(\d{1,2})(?=院$|人民医院|人医|附院|医院$)", lambda m: _cn_number(int(m.group(1))), text)


def strip_company_form(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in _COMPANY_FORMS:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def clean(name: str) -> str:
    """Folded, without brackets, punctuation, "(中国)" and company-form endings, abbreviations
    written out; region names still in place."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _CHINA_IN_BRACKETS.sub("", text)
    without_remark = _TRAILING_REMARK.sub("", text)
    if len(_NON_WORD.sub("", without_remark)) >= 4:
        text = without_remark
    text = strip_company_form(_NON_WORD.sub("", text))
    text = _ordinal_digits(text)
    for pattern, replacement in _EXPANSIONS:
        text = pattern.sub(replacement, text)
    return text


# -- region prefix ---------------------------------------------------------------------------------


def _region_entries():
    """alias → [(code, level, full name?)] of org.regions' address index (None before the regions
    are loaded)."""
    from xiuhao.org.regions import _get_index

    index = _get_index()
    return (index.by_alias, index.max_len) if index else (None, 0)


def _prefix(code: str) -> str:
    from xiuhao.org.regions import region_prefix

    return region_prefix(code)


def _inside(prefix, region):
    return not region or prefix.startswith(region)


def split_region(text: str) -> tuple[str, str]:
    """(region prefix, the rest) of a cleaned name: the leading region names taken off."""
    by_alias, max_len = _region_entries()
    if not by_alias:
        return "", text
    region, rest = "", text
    while True:
        step = None
        for end in range(min(len(rest) - 2, max_len), 1, -1):  # longest alias first, 2+ chars left
            entries = by_alias.get(rest[:end])
            if not entries:
                continue
            matching = [e for e in entries if _inside(_prefix(e.code), region)]
            if not matching:
                continue
            inside = {_prefix(e.code) for e in matching}
            if len(inside) > 1:
                common = _common(inside)
                if len(common) <= len(region):
                    continue  # a name of several places (鼓楼): not a region prefix
                inside = {common}
            # A county's short name ("南山", "和平") counts only after its city or province.
            if not region and all(e.level == 3 and not e.full for e in matching):
                continue
            step = (end, inside.pop())
            break
        if step is None:
            return region, rest
        end, prefix = step
        remainder = rest[end:]
        if remainder in _BARE:
            return region, rest
        if remainder.startswith(_INSTITUTION_WORDS):
            # Part of the institution's name: keep the place, in its short form, and no region.
            stem = _short(rest[:end])
            return "", stem + remainder
        region, rest = prefix, remainder


def _short(alias: str) -> str:
    for suffix in ("特别行政区", "自治区", "自治州", "省", "市", "区", "县"):
        if alias.endswith(suffix) and len(alias) - len(suffix) >= 2:
            return alias[: -len(suffix)]
    return alias


def _common(prefixes):
    prefixes = list(prefixes)
    n = min(len(p) for p in prefixes)
    while n >= 2 and len({p[:n] for p in prefixes}) > 1:
        n -= 2
    return prefixes[0][:n] if n >= 2 else ""


# -- keys and comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameKey:
    region: str  # GB/T 2260 prefix of the place the name starts with ("4403"), "" when none
    core: str  # the rest, cleaned

    @property
    def kind(self) -> str:
        return next((k for k in _KINDS if self.core.endswith(k)), "")

    @property
    def head(self) -> str:
        match = _HEAD.match(self.core)
        return match.group(0) if match else ""

    @property
    def ordinals(self) -> tuple:
        return tuple(_ORDINAL.findall(self.core))


def name_key(name: str) -> NameKey:
    region, core = split_region(clean(name))
    return NameKey(region, core)


def bigrams(text: str) -> set[str]:
    """Character bigrams of `text` (the text itself when shorter)."""
    if len(text) < 2:
        return {text} if text else set()
    return {text[i:i + 2] for i in range(len(text) - 1)}


def dice(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def regions_compatible(a: str, b: str) -> bool:
    return not a or not b or a.startswith(b) or b.startswith(a)


def similarity(a: NameKey, b: NameKey) -> float:
    """0 when the rules tell the two apart (regions, ordinals, kinds), else the Dice coefficient of
    their cores (1 for equal cores)."""
    if not a.core or not b.core or not regions_compatible(a.region, b.region):
        return 0.0
    if a.ordinals != b.ordinals:
        return 0.0
    if a.kind != b.kind:
        return 0.0
    if a.head and b.head and a.head != b.head:
        return 0.0  # 北京大学人民医院 ≠ 武汉大学人民医院, 深圳医科大学… ≠ 深圳大学…
    return 1.0 if a.core == b.core else dice(a.core, b.core)


def same_organisation(a, b) -> bool:
    """Whether the names (or keys) `a` and `b` probably name the same organisation."""
    a = a if isinstance(a, NameKey) else name_key(a)
    b = b if isinstance(b, NameKey) else name_key(b)
    return similarity(a, b) >= THRESHOLD
