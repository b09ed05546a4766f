import importlib
import json
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from xiuhao.org.models import Region
from xiuhao.org.regions import (
    RegionPickerWidget,
    covered_q,
    covers,
    region_aliases,
    region_path,
    region_prefix,
    suggest_region,
)

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


@pytest.fixture
def client_in(client):
    user = get_user_model().objects.create_user(username="u", password="x")
    # Any configured backend that can load a user back from the session.
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b)
    client.force_login(user, backend=backend)
    return client


# --- data -------------------------------------------------------------------------------------


def test_the_migration_loads_every_province_city_and_county():
    assert Region.objects.count() > 3000
    assert Region.objects.filter(level=Region.Level.PROVINCE).count() >= 31
    beijing = region("110000")
    assert (beijing.name, beijing.level, beijing.parent, beijing.prefix) == ("北京市", 1, None, "11")


def test_shenzhen_lies_in_guangdong_and_nanshan_in_shenzhen():
    shenzhen, nanshan = region("440300"), region("440305")
    assert (shenzhen.name, shenzhen.level, shenzhen.parent.code) == ("深圳市", 2, "440000")
    assert shenzhen.parent.name == "广东省"
    assert (nanshan.name, nanshan.level, nanshan.parent) == ("南山区", 3, shenzhen)


def test_every_parent_is_one_level_up_and_shares_the_prefix():
    regions = {r.pk: r for r in Region.objects.all()}
    for r in regions.values():
        assert r.prefix == region_prefix(r.code)
        if r.level == Region.Level.PROVINCE:
            assert r.parent_id is None
        else:
            parent = regions[r.parent_id]
            assert parent.level == r.level - 1
            assert r.code.startswith(parent.prefix)


def test_municipalities_keep_their_city_level_as_the_package_has_it():
    urban = region("110100")
    assert (urban.name, urban.parent.code) == ("市辖区", "110000")
    assert region("110108").parent == urban  # 海淀区


def test_the_data_file_matches_the_database():
    path = settings.BASE_DIR / "xiuhao" / "org" / "data" / "regions.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert len(rows) == Region.objects.count()
    assert ["440305", "南山区", 3, "440300"] in rows


def test_loading_again_adds_nothing():
    migration = importlib.import_module("xiuhao.org.migrations.0002_load_regions")
    before = Region.objects.count()
    migration.load_regions(apps, SimpleNamespace(connection=connection))
    assert Region.objects.count() == before


# --- prefixes and coverage --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("110000", "11"), ("110100", "1101"), ("110101", "110101"), ("440300", "4403"), ("419001", "419001")],
)
def test_the_prefix_strips_trailing_zero_pairs(code, prefix):
    assert region_prefix(code) == prefix


@pytest.mark.parametrize("bad", ["11", "1100000", "abcdef", ""])
def test_the_prefix_refuses_what_is_not_a_six_digit_code(bad):
    with pytest.raises(ValueError):
        region_prefix(bad)


def test_a_province_covers_its_counties_but_not_the_other_way_round():
    guangdong, shenzhen, nanshan = region("440000"), region("440300"), region("440305")
    assert covers(guangdong, nanshan) and covers(shenzhen, nanshan) and covers(guangdong, shenzhen)
    assert covers(nanshan, nanshan)
    assert not covers(nanshan, guangdong)
    assert not covers(shenzhen, guangdong)


def test_a_sibling_is_not_covered():
    assert not covers(region("440305"), region("440304"))  # 南山 / 福田
    assert not covers(region("440300"), region("440100"))  # 深圳 / 广州
    assert not covers(region("440000"), region("450000"))


def test_covered_q_filters_regions_themselves():
    guangdong = region("440000")
    inside = Region.objects.filter(covered_q(guangdong, field=None))
    assert set(inside.values_list("code", flat=True)) >= {"440000", "440300", "440305"}
    assert not inside.exclude(code__startswith="44").exists()
    assert set(Region.objects.filter(covered_q(guangdong, field="self"))) == set(inside)


def test_covered_q_follows_a_foreign_key():
    shenzhen = region("440300")
    below = Region.objects.filter(covered_q(shenzhen, field="parent"))  # regions whose parent is in 深圳
    codes = set(below.values_list("code", flat=True))
    assert "440305" in codes and "440300" not in codes
    assert all(code.startswith("4403") for code in codes)


def test_the_path_runs_from_the_province_down():
    assert [r.code for r in region_path(region("440305"))] == ["440000", "440300", "440305"]
    assert [r.code for r in region_path(region("440000"))] == ["440000"]


# --- address suggestion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("广东省深圳市南山区科技园科苑路15号", "440305"),
        ("深圳南山区科技南路", "440305"),
        ("广东深圳福田区华强北", "440304"),
        ("北京市海淀区中关村大街1号", "110108"),
        ("北京朝阳区建国路88号", "110105"),  # not 长春's 朝阳区
        ("上海浦东张江高科", "310115"),  # 浦东新区 without 新区
        ("浙江杭州西湖区文三路", "330106"),  # not 南昌's 西湖区
        ("内蒙古呼和浩特市赛罕区", "150105"),
        ("新疆乌鲁木齐天山区", "650102"),
        ("广西南宁青秀区民族大道", "450103"),
        ("重庆市渝中区解放碑", "500103"),
        ("南京鼓楼区中山路", "320106"),  # 鼓楼区 is in four cities
        ("湖北省仙桃市", "429004"),  # a county directly under the province
        ("延边州延吉市", "222401"),
        ("海淀区", "110108"),  # a bare county name, unique in the country
        ("余杭区文一西路969号", "330110"),
        ("昆山市花桥镇", "320583"),
        ("广东省东莞市长安镇", "441900"),  # a city without counties
        ("江苏省苏州市", "320500"),
        ("吉林省吉林市", "220200"),
        ("吉林", "220000"),  # the province before its same-named city
        ("广东省", "440000"),
    ],
)
def test_it_suggests_the_most_specific_region_an_address_names(address, code):
    found = suggest_region(address)
    assert found is not None and found.code == code


@pytest.mark.parametrize(
    "address", ["", "   ", "hello world", "请尽快上门维修空调", "人民路88号", "南山区", "鼓楼区"]
)
def test_it_suggests_nothing_for_garbage_or_ambiguous_names(address):
    assert suggest_region(address) is None


def test_names_are_known_with_and_without_their_suffixes():
    assert region_aliases("广西壮族自治区", 1) >= {"广西壮族自治区", "广西"}
    assert region_aliases("北京市", 1) >= {"北京"}
    assert region_aliases("锡林郭勒盟", 2) >= {"锡林郭勒"}
    assert region_aliases("大兴安岭地区", 2) >= {"大兴安岭"}
    assert region_aliases("延边朝鲜族自治州", 2) >= {"延边", "延边州"}
    assert region_aliases("石柱土家族自治县", 3) >= {"石柱"}
    assert region_aliases("鄂伦春自治旗", 3) >= {"鄂伦春"}
    assert "城" not in region_aliases("城区", 3)


# --- endpoints --------------------------------------------------------------------------------


def test_children_of_the_root_are_the_provinces(client_in):
    response = client_in.get(reverse("region-children"))
    assert response.status_code == 200
    data = response.json()
    assert len(data) >= 31
    assert {"code": "110000", "name": "北京市"}.items() <= data[0].items()
    assert all(set(item) == {"code", "name", "id"} for item in data)


def test_children_of_guangdong_include_shenzhen(client_in):
    data = client_in.get(reverse("region-children"), {"parent": "440000"}).json()
    codes = {item["code"] for item in data}
    assert "440300" in codes
    assert all(code.startswith("44") and code != "440000" for code in codes)
    assert next(i["id"] for i in data if i["code"] == "440300") == region("440300").pk


def test_children_of_an_unknown_code_is_a_json_404(client_in):
    response = client_in.get(reverse("region-children"), {"parent": "999999"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_suggest_answers_the_region_and_its_path(client_in):
    response = client_in.get(reverse("region-suggest"), {"address": "深圳市南山区科技园"})
    assert response.status_code == 200
    data = response.json()
    assert (data["code"], data["name"]) == ("440305", "南山区")
    assert data["path"] == ["广东省", "深圳市", "南山区"]
    assert [link["code"] for link in data["chain"]] == ["440000", "440300", "440305"]
    assert data["id"] == region("440305").pk


def test_suggest_without_a_match_is_a_json_404(client_in):
    response = client_in.get(reverse("region-suggest"), {"address": "hello world"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and error["message"]


@pytest.mark.parametrize("name", ["region-children", "region-suggest"])
def test_anonymous_users_are_turned_away(client, name):
    response = client.get(reverse(name), {"address": "深圳市南山区"})
    assert response.status_code in (302, 401, 403)
    assert "440305" not in response.content.decode()


# --- picker widget ----------------------------------------------------------------------------


class PickerForm(forms.Form):
    region = forms.ModelChoiceField(queryset=Region.objects.all(), widget=RegionPickerWidget())


class SuggestingPickerForm(forms.Form):
    address = forms.CharField()
    region = forms.ModelChoiceField(
        queryset=Region.objects.all(), widget=RegionPickerWidget(suggest_from="id_address")
    )


def test_an_empty_picker_offers_the_provinces_and_waits_for_the_rest():
    html = str(PickerForm()["region"])
    assert "<script" not in html
    assert 'type="hidden"' in html and 'name="region"' in html
    assert f'data-children-url="{reverse("region-children")}"' in html
    assert html.count("<select") == 3
    assert 'value="440000"' in html  # a province option
    assert 'value="440300"' not in html  # no city until a province is chosen
    assert html.count("disabled") == 2


def test_a_chosen_region_renders_its_chain_server_side():
    nanshan = region("440305")
    html = str(PickerForm(initial={"region": nanshan.pk})["region"])
    assert f'value="{nanshan.pk}"' in html
    for code in ("440000", "440300", "440305"):
        assert f'value="{code}" data-id="{region(code).pk}" selected' in html
    assert 'value="440304"' in html  # a sibling county to switch to
    assert "disabled" not in html


def test_the_form_takes_the_pk_from_the_hidden_input():
    nanshan = region("440305")
    form = PickerForm(data={"region": str(nanshan.pk)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["region"] == nanshan
    assert not PickerForm(data={"region": ""}).is_valid()


def test_the_label_points_at_the_province_select():
    bound = PickerForm()["region"]
    assert bound.id_for_label == "id_region_province"
    assert 'id="id_region_province"' in str(bound)


def test_the_suggest_hook_names_the_address_input():
    html = str(SuggestingPickerForm()["region"])
    assert 'data-region-suggest-from="id_address"' in html
    assert f'data-suggest-url="{reverse("region-suggest")}"' in html
