"""Near-duplicate organisation names: the comparison (customers.similarity) on a set of
real-style pairs with its precision and recall, the duplicate warning on the form and in the API
for abbreviated and prefixed names, and the bigram index that finds them without reading every
customer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiuhao.customers import services, similarity
from xiuhao.customers.models import Customer, CustomerNameKey
from xiuhao.customers.selectors import duplicate_candidates

from .name_pairs import PAIRS

pytestmark = pytest.mark.django_db

API = "/api/v1/customers/customer/"
REFERENCE = "深圳医科大学附属第二医院"


def score(pairs):
    tp = fp = fn = 0
    wrong = []
    for a, b, same in pairs:
        found = similarity.same_organisation(a, b)
        tp += found and same
        fp += found and not same
        fn += same and not found
        if found != same:
            wrong.append((a, b, same))
    return tp / max(tp + fp, 1), tp / max(tp + fn, 1), wrong


def test_precision_and_recall_on_the_real_style_pairs():
    assert len(PAIRS) >= 60
    precision, recall, wrong = score(PAIRS)
    assert precision >= 0.95 and recall >= 0.9, wrong


@pytest.mark.parametrize("variant", ["深圳医科大附属第二医院", "深圳市医科大学附属第二医院", "深圳医科大学附属二院",
                                     "深圳医科大附二院"])
def test_abbreviated_and_prefixed_names_are_the_same_hospital(variant):
    assert similarity.same_organisation(REFERENCE, variant)


@pytest.mark.parametrize("a, b", [("深圳市第二人民医院", "深圳市第三人民医院"), ("北京协和医院", "北京协和医学院"),
                                  ("深圳市第二人民医院", "广州市第二人民医院"), ("北京大学人民医院", "武汉大学人民医院")])
def test_look_alike_names_of_different_organisations_are_told_apart(a, b):
    assert not similarity.same_organisation(a, b)


def test_the_key_keeps_the_region_apart_and_writes_abbreviations_out():
    assert similarity.name_key("广东省深圳市第2人民医院") == similarity.NameKey("4403", "第二人民医院")
    assert similarity.name_key("西门子医疗系统（中国）有限公司").core == "西门子医疗系统"
    assert similarity.name_key("深圳市医科大附二院") == similarity.NameKey("", "深圳医科大学附属第二医院")


@pytest.fixture
def hospital(manager):
    return services.customer_create(actor=manager, check=False, data={"name": REFERENCE})


def test_the_api_warns_of_a_similar_name(client, manager, hospital, english):
    client.force_login(manager)
    for variant in ("深圳医科大附属第二医院", "深圳市医科大学附属第二医院", "深圳医科大学附属二院"):
        response = client.post(API, {"name": variant}, content_type="application/json")
        assert response.status_code == 409, variant
        [candidate] = response.json()["error"]["candidates"]
        assert candidate["id"] == hospital.pk and candidate["reasons"] in (["same name"], ["similar name"])
    assert client.post(API, {"name": "深圳医科大学附属第三医院"}, content_type="application/json").status_code == 201
    assert Customer.objects.count() == 2


def test_the_form_warns_of_a_similar_name(client, manager, hospital):
    client.force_login(manager)
    response = client.post("/customers/customer/add/", {"name": "深圳医科大附属第二医院", "kind": "company",
                                                        "tier": "standard", "status": "active"})
    assert response.status_code == 400 and f'href="/customers/customer/{hospital.pk}/"' in response.content.decode()


def test_a_renamed_customer_is_found_by_its_new_name_only(manager, hospital):
    services.customer_update(actor=manager, obj=hospital, data={"name": "南方医科大学南方医院"}, check=False)
    assert set(CustomerNameKey.objects.filter(customer=hospital).values_list("token", flat=True)) == \
        similarity.bigrams(similarity.name_key("南方医科大学南方医院").core)
    assert duplicate_candidates(name="深圳医科大附属第二医院") == []
    assert duplicate_candidates(name="南方医大南方医院")[0][0] == hospital


def test_similar_names_are_looked_up_in_the_index_not_by_reading_every_customer(manager, hospital):
    services.customer_bulk_load(actor=manager, rows=[({"name": f"深圳市某{i}号精密机械有限公司"}, [], [])
                                                     for i in range(30)])
    with CaptureQueriesContext(connection) as queries:
        [(found, _reasons)] = duplicate_candidates(name="深圳医科大附二院")
    assert found == hospital
    customer_reads = [q["sql"] for q in queries.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    assert all("WHERE" in sql for sql in customer_reads) and len(queries.captured_queries) <= 4
