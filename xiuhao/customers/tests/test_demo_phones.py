"""Demo customers look real: the switchboard has the city's area code, mobiles a prefix in use,
and Chinese names carry no English words."""

import re

from xiuhao.customers.demo import AREA_CODES, plan

MOBILE = re.compile(r"^1(3[0-9]|5[0-35-9]|7[0-8]|8[0-9]|9[89])\d{8}$")


def test_demo_landlines_carry_the_area_code_of_the_customers_city():
    specs = plan()
    wrong = []
    phones = [s["phone"] for s in specs]
    for spec in specs:
        if phones.count(spec["phone"]) > 1:
            continue  # the duplicates planted on purpose share a switchboard number with the original
        city = next(c for c in AREA_CODES if spec["address"].startswith(c))
        if not re.fullmatch(rf"{AREA_CODES[city]}-[2-8]\d{{7}}", spec["phone"]):
            wrong.append((spec["name"], spec["phone"]))
    assert not wrong, wrong[:5]


def test_demo_mobiles_use_real_prefixes_and_names_have_no_latin_words():
    specs = plan()
    mobiles = [c["mobile"] for s in specs for c in s["contacts"]]
    assert all(MOBILE.match(m) for m in mobiles), [m for m in mobiles if not MOBILE.match(m)][:5]
    names = [s["name"] for s in specs] + [c["name"] for s in specs for c in s["contacts"]]
    latin = [n for n in names if re.search(r"[A-Za-z]{2,}", n)]
    assert not latin, latin[:5]
