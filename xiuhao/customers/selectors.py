"""Reads of customers: the one search box and the duplicate check.

`customer_search` serves the list page, the API (`?q=` / `?search=`), global search and the
benchmark. Each kind of text is matched by a condition that an index can serve on PostgreSQL
(see migration 0003): a name fragment by `name LIKE '%…%'` (Han text) or `UPPER(name) LIKE '%…%'`
(other text; both trigram), initials and full
pinyin by `LIKE '%…%'` on their columns (trigram), a phone tail by `phone_digits LIKE '%<tail> %'`
(trigram; the space ends a number), a code by equality / prefix (B-tree), a device serial by
equality / prefix on the device table (its unique B-tree), resolved to customer ids first so
that the whole condition stays an OR of index scans.
"""

import math
import re

from django.apps import apps
from django.db.models import Count, Q

from . import similarity as sim
from . import text as cn
from .models import Customer, CustomerNameKey

MIN_TRIGRAM = 3  # shorter LIKE patterns give pg_trgm nothing to look up: use prefixes instead
MIN_PHONE_TAIL = 4
MAX_SERIAL_HITS = 200  # a serial prefix matching more devices than this is not a look-up any more
_HAS_HAN = re.compile(r"[\u3007\u3400-\u9fff]")
_LATIN_ONLY = re.compile(r"[a-zA-Z]+")


def _serial_customer_ids(value):
    """Customers owning a device whose serial is `value` or starts with it (case as typed, then
    upper case: serials are printed in capitals)."""
    try:
        device = apps.get_model("assets", "Device")
    except LookupError:
        return []
    cond = Q()
    for v in dict.fromkeys([value, value.upper()]):
        cond |= Q(serial=v) | Q(serial__startswith=v)
    ids = (device._default_manager.filter(cond, customer__isnull=False)
           .values_list("customer_id", flat=True)[:MAX_SERIAL_HITS])
    return list(set(ids))


def search_condition(value: str) -> Q | None:
    """The filter for one search text; None when the text is empty."""
    value = " ".join((value or "").split())[:100]
    if not value:
        return None
    # Han characters have no case: a plain LIKE (its own trigram index) spares UPPER() per row.
    name = Q(name__contains=value) if _HAS_HAN.search(value) else Q(name__icontains=value)
    cond = name | Q(code=value) | Q(code__startswith=value.upper())
    if not _HAS_HAN.search(value):
        squeezed = value.replace(" ", "").lower()
        if _LATIN_ONLY.fullmatch(squeezed):
            if len(squeezed) >= MIN_TRIGRAM:
                cond |= Q(name_initials__contains=squeezed) | Q(name_pinyin__contains=squeezed)
            else:
                cond |= Q(name_initials__startswith=squeezed)
        digits = cn.looks_like_phone(value)
        if len(digits) >= MIN_PHONE_TAIL:
            cond |= Q(phone_digits__contains=f"{digits} ")
        if len(squeezed) >= MIN_TRIGRAM and " " not in value and any(ch.isdigit() for ch in value):
            # Serial numbers carry digits; pinyin and initials never do: no device look-up for them.
            ids = _serial_customer_ids(value)
            if ids:
                cond |= Q(pk__in=ids)
    return cond


def customer_search(queryset, value):
    """`queryset` (already scoped) narrowed to the customers that `value` finds."""
    cond = search_condition(value)
    return queryset if cond is None else queryset.filter(cond)


# Similar names: how many customers holding one of the rarest bigrams are read at most (a name
# made only of very common bigrams, "第二人民医院", would otherwise read a good part of the table).
MAX_KEY_HOLDERS = 5000
MAX_SIMILAR = 50


def similar_name_ids(key, *, exclude_pk=None):
    """Ids of customers whose cleaned name may reach `similarity.THRESHOLD` against `key`, from
    the bigram index (CustomerNameKey) — never a scan of the customers.

    A name of n bigrams matches another (Dice ≥ T) only if they share at least T·n / (2 − T)
    bigrams; so any match holds one of the (n − that + 1) rarest of them. The customers holding
    one of those are counted over all n bigrams and the best MAX_SIMILAR returned; the caller
    scores them (similarity.similarity)."""
    tokens = sorted(sim.bigrams(key.core))
    if not tokens:
        return []
    frequency = dict(CustomerNameKey.objects.filter(token__in=tokens).values_list("token")
                     .annotate(n=Count("customer_id")).order_by())
    need = math.ceil(sim.THRESHOLD * len(tokens) / (2 - sim.THRESHOLD) - 1e-9)
    present = sorted((t for t in tokens if t in frequency), key=lambda t: (frequency[t], t))
    if len(present) < need:
        return []
    rare = present[: len(present) - need + 1]
    holders = (CustomerNameKey.objects.filter(token__in=rare).values("customer_id").order_by()[:MAX_KEY_HOLDERS])
    rows = (CustomerNameKey.objects.filter(token__in=tokens, customer_id__in=holders)
            .values("customer_id").annotate(shared=Count("id")).filter(shared__gte=need)
            .order_by("-shared", "customer_id")[:MAX_SIMILAR + 1])
    return [r["customer_id"] for r in rows if r["customer_id"] != exclude_pk][:MAX_SIMILAR]


def duplicate_candidates(*, name="", phones=(), tax_no="", exclude_pk=None, limit=10):
    """Existing customers that are probably the one described: [(customer, [reason, …])], the
    most likely first.

    The same or a similar name (customers.similarity: abbreviations written out, the region
    prefix compared apart, bigram similarity of the rest), a phone number in common (whole
    numbers of 7+ digits, customer's or contacts'), or the same unified social credit code. Not
    scoped: a duplicate in another branch is still a duplicate (the service shows only the
    visible ones and counts the others).
    """
    from django.utils.translation import gettext_lazy as _

    key = sim.name_key(name) if name else None
    tax = cn.normalize_tax_no(tax_no)
    numbers = [d for d in dict.fromkeys(cn.digits_of(p) for p in phones) if len(d) >= 7]
    cond = Q()
    if key and key.core:
        cond |= Q(name_normalized=key.core[:200])
        similar = similar_name_ids(key, exclude_pk=exclude_pk)
        if similar:
            cond |= Q(pk__in=similar)
    if tax:
        cond |= Q(tax_no=tax)
    for digits in numbers:
        cond |= Q(phone_digits__contains=f" {digits} ")
    if not cond:
        return []
    qs = Customer.objects.filter(cond).only("pk", "code", "name", "name_normalized", "name_region", "tax_no",
                                            "phone_digits")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for customer in qs.order_by("code")[: limit + MAX_SIMILAR]:
        reasons, score = [], 0.0
        if key and key.core:
            score = sim.similarity(key, sim.NameKey(customer.name_region, customer.name_normalized))
            if score >= 1:
                reasons.append(_("same name"))
            elif score >= sim.THRESHOLD:
                reasons.append(_("similar name"))
        if tax and customer.tax_no == tax:
            reasons.append(_("same unified social credit code"))
        if any(f" {d} " in customer.phone_digits for d in numbers):
            reasons.append(_("same phone number"))
        if reasons:
            found.append((len(reasons), score, customer, reasons))
    found.sort(key=lambda f: (-f[0], -f[1], f[2].code))
    return [(customer, reasons) for _n, _s, customer, reasons in found[:limit]]
