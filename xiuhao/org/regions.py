"""Regions (GB/T 2260 province / city / county): prefix rules, "covers", address → region
suggestion, the cascading picker widget and the list filter (contributed to every form and list
with a region field through the registry, see org/registry.py).

A region covers every region whose code starts with its prefix: province 440000 has prefix
"44", city 440300 "4403", county 440305 "440305". Regions are static reference data loaded by
a migration, so the name index used by `suggest_region` is built once per process and kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse

from xiuhao.org.models import Region

# --- prefix rules -----------------------------------------------------------------------------


def region_prefix(code: str) -> str:
    """The prefix that a region's descendants share: trailing "00" pairs stripped (110000 → "11",
    110100 → "1101", 110101 → "110101")."""
    code = str(code)
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"not a six-digit region code: {code!r}")
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def covers(region: Region, other: Region) -> bool:
    """Whether `other` is `region` or lies inside it."""
    return other.prefix.startswith(region.prefix)


def covered_q(region: Region, field: str | None = "region") -> Q:
    """A filter for rows whose `field` (a ForeignKey to Region, any lookup path) is `region` or
    lies inside it. `field=None` (or "self") filters the Region model itself. Rows with no region
    never match."""
    lookup = "prefix__startswith" if field in (None, "", "self") else f"{field}__prefix__startswith"
    return Q(**{lookup: region.prefix})


def region_path(region: Region) -> list[Region]:
    """[province, city, county] down to `region` (shorter for provinces and cities)."""
    path = []
    node = region
    while node is not None:
        path.append(node)
        node = node.parent
    return path[::-1]


# --- which branch serves a region -------------------------------------------------------------


def branch_serving(region: Region | None, *, prefer=None):
    """The active branch that declared `region` (or a region containing it) among its service
    regions; the most specific declaration wins (a branch serving 深圳 beats one serving 广东).
    Two branches declaring the same region: `prefer` (a branch id, e.g. the creator's) if it is one
    of them, else the first by code. None when no branch serves the region."""
    from xiuhao.org.models import Branch, Status

    if region is None:
        return None
    prefixes = [region.prefix[:n] for n in range(2, len(region.prefix) + 1, 2)]
    rows = (Branch.regions.through.objects
            .filter(region__prefix__in=prefixes, branch__status=Status.ACTIVE)
            .values_list("branch_id", "branch__code", "region__prefix"))
    if not rows:
        return None
    deepest = max(len(p) for _b, _c, p in rows)
    tied = sorted((code, branch_id) for branch_id, code, p in rows if len(p) == deepest)
    chosen = next((b for _c, b in tied if b == prefer), tied[0][1])
    return Branch.objects.get(pk=chosen)


# --- address → region -------------------------------------------------------------------------

# Placeholder divisions that no one writes in an address (municipalities' city level, the
# "directly administered counties" groups): never matched by name.
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# Longest first: the first suffix that matches is stripped.
_SUFFIXES = {
    Region.Level.PROVINCE: ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"),
    Region.Level.CITY: ("自治州", "地区", "盟", "市"),
    Region.Level.COUNTY: ("自治县", "自治旗", "新区", "区", "县", "市", "旗"),
}

# Autonomous areas are called by the place name before the first people's name
# ("延边朝鲜族自治州" → "延边", "石柱土家族自治县" → "石柱"). One-character names only count
# with 族, so that "白", "水", "土" inside place names are left alone.
_PEOPLES = (
    "各族 蒙古 回族 藏族 维吾尔 苗族 彝族 壮族 布依 朝鲜 满族 侗族 瑶族 白族 土家 哈尼 哈萨克 傣族 黎族 "
    "傈僳 佤族 畲族 拉祜 水族 东乡 纳西 景颇 柯尔克孜 土族 达斡尔 仫佬 羌族 布朗 撒拉 毛南 仡佬 锡伯 "
    "阿昌 普米 塔吉克 怒族 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京族 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()

_MIN_ALIAS = 2  # shorter stems ("城区" → "城") would match everywhere


def region_aliases(name: str, level: int) -> set[str]:
    """The ways a region's name is written in addresses: full, without the administrative
    suffix, and for autonomous areas without the peoples' names."""
    aliases = {name}
    for suffix in _SUFFIXES[level]:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if len(stem) >= _MIN_ALIAS:
                aliases.add(stem)
            break
    if "自治" in name:
        cuts = [i for i in (name.find(p) for p in _PEOPLES) if i >= _MIN_ALIAS]
        if cuts:
            place = name[: min(cuts)]
            aliases.add(place)
            if name.endswith("自治州"):
                aliases.add(place + "州")  # "延边州", "恩施州"
    return aliases


@dataclass(frozen=True)
class _Entry:
    code: str
    level: int
    full: bool  # matched by the full official name


class _Index:
    def __init__(self, rows):
        self.by_alias: dict[str, list[_Entry]] = {}
        for code, name, level in rows:
            if name in _PLACEHOLDER_NAMES:
                continue
            for alias in region_aliases(name, level):
                self.by_alias.setdefault(alias, []).append(_Entry(code, level, alias == name))
        self.max_len = max((len(a) for a in self.by_alias), default=0)

    def matches(self, text: str) -> dict[str, list[tuple[int, int, bool]]]:
        """code → spans (start, end, full name) of every alias found in `text`."""
        found: dict[str, list[tuple[int, int, bool]]] = {}
        for start in range(len(text)):
            for end in range(start + _MIN_ALIAS, min(len(text), start + self.max_len) + 1):
                for entry in self.by_alias.get(text[start:end], ()):
                    found.setdefault(entry.code, []).append((start, end, entry.full))
        return found


_index: _Index | None = None
_index_lock = threading.Lock()


def _get_index() -> _Index | None:
    global _index
    if _index is None:
        with _index_lock:
            if _index is None:
                rows = list(Region.objects.values_list("code", "name", "level"))
                if not rows:
                    return None  # regions not loaded (yet): don't cache an empty index
                _index = _Index(rows)
    return _index


def _ancestor_codes(code: str) -> list[str]:
    """Parent codes from the nearest up: 440305 → [440300, 440000]."""
    prefix = region_prefix(code)
    return [prefix[:n].ljust(6, "0") for n in range(len(prefix) - 2, 0, -2)]


def _chain_key(code, spans, found):
    """How well `code` explains the text: its best span plus, for each ancestor, a span of that
    ancestor ending before the chain so far starts (addresses run from province to county)."""
    best = None
    for start, end, full in spans:
        matched, first, chars, fulls = 1, start, end - start, int(full)
        for ancestor in _ancestor_codes(code):
            before = [s for s in found.get(ancestor, ()) if s[1] <= first]
            if before:
                a_start, a_end, a_full = max(before, key=lambda s: (s[1] - s[0], s[2], -s[0]))
                matched, first = matched + 1, a_start
                chars, fulls = chars + a_end - a_start, fulls + a_full
        # More levels matched; then the chain that starts earlier (a place name in the street
        # part does not beat the city named before it); then more text, full names.
        key = (matched, -first, chars, fulls)
        if best is None or key > best:
            best = key
    return best


def _common_ancestor(codes) -> str | None:
    prefixes = [region_prefix(c) for c in codes]
    n = min(len(p) for p in prefixes)
    while n >= 2 and len({p[:n] for p in prefixes}) > 1:
        n -= 2
    return prefixes[0][:n].ljust(6, "0") if n >= 2 else None


def suggest_code(address: str) -> str | None:
    """The code of the region that `address` names (see `suggest_region`)."""
    text = "".join((address or "").split())
    index = _get_index() if text else None
    found = index.matches(text) if index else None
    if not found:
        return None
    scored = {code: _chain_key(code, spans, found) for code, spans in found.items()}
    top = max(scored.values())
    winners = [code for code, key in scored.items() if key == top]
    if len(winners) == 1:
        return winners[0]
    # The same text names several regions equally well. If one contains the others ("吉林":
    # the province, not its same-named city) or they share a province, answer that; regions
    # in different provinces ("鼓楼区") are a guess not worth making.
    return _common_ancestor(winners)


def suggest_region(address: str) -> Region | None:
    """The most specific region that a free-text Chinese address names, or None.

    "广东省深圳市南山区科技园" → 南山区 (440305); "深圳南山区科技南路" → the same; "北京市海淀区中关村"
    → 海淀区. Names are matched with and without their administrative suffixes; a county counts
    only inside the city / province named before it, if any; a county name alone is used when
    it is unique in the country.
    """
    code = suggest_code(address)
    return Region.objects.filter(code=code).first() if code else None


# --- picker widget ----------------------------------------------------------------------------


class RegionPickerWidget(forms.Widget):
    """Province / city / county selects for a ModelChoiceField over Region.

    The submitted value is the pk of the most specific region chosen, held in a hidden input;
    the selects are filled from `region-children` by static/js/region-picker.js (loaded by
    base.html). `suggest_from` names the id of an address input: when it changes, the picker is
    set from `region-suggest` unless the user has chosen a region by hand.

        region = forms.ModelChoiceField(Region.objects.all(), widget=RegionPickerWidget())
    """

    template_name = "org/region_picker.html"
    levels = (
        (Region.Level.PROVINCE, "province"),
        (Region.Level.CITY, "city"),
        (Region.Level.COUNTY, "county"),
    )

    def __init__(self, attrs=None, suggest_from: str | None = None):
        super().__init__(attrs)
        self.suggest_from = suggest_from

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.suggest_from = self.suggest_from
        return obj

    def _selected_path(self, value) -> list[Region]:
        if value in (None, ""):
            return []
        if isinstance(value, Region):
            region = value
        else:
            try:
                region = Region.objects.filter(pk=int(str(value))).first()
            except (TypeError, ValueError):
                region = None
        return region_path(region) if region else []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        path = self._selected_path(value)
        if path:
            context["widget"]["value"] = str(path[-1].pk)
        selects = []
        parent = None
        for depth, (level, key) in enumerate(self.levels):
            if depth == 0:
                options = Region.objects.filter(level=Region.Level.PROVINCE)
            elif parent is not None:
                options = parent.children.all()
            else:
                options = Region.objects.none()
            chosen = path[depth] if depth < len(path) else None
            selects.append(
                {
                    "level": key,
                    "label": Region.Level(level).label,
                    "options": [(r.code, r.pk, r.name) for r in options.only("pk", "code", "name")],
                    "selected": chosen.code if chosen else "",
                    "disabled": depth > 0 and parent is None,
                }
            )
            parent = chosen
        context["widget"].update(
            {
                "selects": selects,
                "children_url": reverse("region-children"),
                "suggest_url": reverse("region-suggest"),
                "suggest_from": self.suggest_from or "",
            }
        )
        return context

    def id_for_label(self, id_):
        # The label points at the first select; the hidden input cannot take focus.
        return f"{id_}_province" if id_ else id_

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class RegionFilter(django_filters.ModelChoiceFilter):
    """A region filter matches records in the chosen region or anywhere inside it (a province
    covers its cities and counties). Choices are provinces and cities; counties are reached by
    the cascading picker on forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Region.objects.filter(level__lte=2).order_by("code"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__prefix__startswith": value.prefix}).distinct()
