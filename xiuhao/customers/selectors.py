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

import re

from django.apps import apps
from django.db.models import Q

from . import text as cn
from .models import Customer

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


def duplicate_candidates(*, name="", phones=(), tax_no="", exclude_pk=None, limit=10):
    """Existing customers that are probably the one described: [(customer, [reason, …])].

    Same normalised name (spaces, brackets, punctuation and company-form suffixes ignored), a
    phone number in common (whole numbers of 7+ digits, customer's or contacts'), or the same
    unified social credit code. Not scoped: a duplicate in another branch is still a duplicate
    (the service shows only the visible ones and counts the others).
    """
    from django.utils.translation import gettext_lazy as _

    normalized = cn.normalize_name(name)
    tax = cn.normalize_tax_no(tax_no)
    numbers = [d for d in dict.fromkeys(cn.digits_of(p) for p in phones) if len(d) >= 7]
    cond = Q()
    if normalized:
        cond |= Q(name_normalized=normalized)
    if tax:
        cond |= Q(tax_no=tax)
    for digits in numbers:
        cond |= Q(phone_digits__contains=f" {digits} ")
    if not cond:
        return []
    qs = Customer.objects.filter(cond).only("pk", "code", "name", "name_normalized", "tax_no", "phone_digits")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for customer in qs.order_by("code")[:limit]:
        reasons = []
        if normalized and customer.name_normalized == normalized:
            reasons.append(_("same name"))
        if tax and customer.tax_no == tax:
            reasons.append(_("same unified social credit code"))
        if any(f" {d} " in customer.phone_digits for d in numbers):
            reasons.append(_("same phone number"))
        found.append((customer, reasons))
    return found
