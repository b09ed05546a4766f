"""Document numbers (core.numbering): the pattern's rules and formatting, periods by the local
date, and — for every declared numbering — consecutive numbers from one counter row, no number
handed out twice under concurrency, the administrator's format, and a record left without a
number numbered through its page and API."""

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from xiuhao.core import numbering
from xiuhao.core.models import AuditEvent, NumberCounter, NumberFormat
from xiuhao.core.numbering import DECLARED, PatternError, Period, check, next_number
from xiuhao.core.registry import registry
from xiuhao.core.testing import as_api_data, load_cases, model_permissions
from xiuhao.core.tests.races import at_once
from xiuhao.org.tests.factories import BranchFactory, RoleFactory, UserFactory

CASES = load_cases()
KINDS = sorted(DECLARED)
DAY = datetime.date(2026, 12, 4)


# -- patterns ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "seq", "number"), [
    ("{prefix}{yyyymmdd}{seq:05d}", 42, "SR2026120400042"),
    ("{prefix}{yyyy}{mm}{seq:05d}", 7, "SR20261200007"),
    ("{prefix}-{yy}{mm}{dd}-{seq:03d}", 1234, "SR-261204-1234"),  # a full width grows rather than wraps
    ("{prefix}{seq}", 9, "SR9"),
    ("{yyyymm}{prefix}{seq:04d}", 3, "202612SR0003"),
    ("{{{prefix}}}{seq:02d}", 5, "{SR}05"),  # doubled braces are literal braces
])
def test_a_pattern_renders_the_date_and_the_padded_running_number(pattern, seq, number):
    assert check("SR", pattern).render(seq, DAY) == number


@pytest.mark.parametrize(("pattern", "period"), [
    ("{prefix}{seq:05d}", Period.NONE), ("{prefix}{yy}{seq:05d}", Period.YEAR),
    ("{prefix}{yyyy}{mm}{seq:05d}", Period.MONTH), ("{prefix}{yymmdd}{seq:05d}", Period.DAY),
])
def test_the_counter_restarts_as_often_as_the_date_in_the_number_changes(pattern, period):
    fmt = check("SR", pattern)
    assert fmt.period == period
    assert fmt.key(DAY) == {"none": "", "year": "2026", "month": "2026-12", "day": "2026-12-04"}[period]


def test_a_coarser_reset_is_allowed_and_keys_the_counter_by_it():
    fmt = check("SR", "{prefix}{yyyymmdd}{seq:05d}", "year")
    assert fmt.key(DAY) == fmt.key(datetime.date(2026, 1, 1)) == "2026"


@pytest.mark.parametrize(("prefix", "pattern", "reset", "message"), [
    ("SR", "{prefix}{yyyymmdd}{sequence:05d}", "", "{sequence}"),
    ("SR", "{prefix}{yyyy}", "", "exactly once"),
    ("SR", "{seq}{seq}", "", "exactly once"),
    ("SR", "{prefix}{mm}{seq:05d}", "", "must show the year"),
    ("SR", "{prefix}{yyyy}{dd}{seq:05d}", "", "must show the year"),
    ("SR", "{prefix}{yyyy}{seq:05d}", "month", "reset less often"),
    ("SR", "{prefix}{seq:5x}", "", "{seq:05d}"),
    ("SR", "{prefix}{seq:5d}", "", "{seq:05d}"),  # zero-padded only
    ("SR", "{prefix}{seq:013d}", "", "1 to 12 digits"),
    ("SR", "{prefix:>4}{seq}", "", "Only {seq} takes a width"),
    ("SR", "{prefix!r}{seq}", "", "no conversion"),
    ("SR", "{prefix}{seq", "", "unmatched brace"),
    ("S{R", "{prefix}{seq}", "", "braces"),
])
def test_a_pattern_that_cannot_make_unique_numbers_is_refused_with_the_reason(prefix, pattern, reset, message):
    with translation.override("en"), pytest.raises(PatternError, match=re.escape(message)):
        check(prefix, pattern, reset)


dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31))
patterns = st.sampled_from(["{prefix}{seq:0%dd}", "{prefix}{yyyy}{seq:0%dd}", "{prefix}{yyyymm}{seq:0%dd}",
                            "{prefix}{yy}{mm}{dd}-{seq:0%dd}", "{prefix}{yyyymmdd}{seq:0%dd}"])


@given(pattern=patterns, width=st.integers(1, 8), day=dates, other=dates, data=st.data())
def test_numbers_of_different_periods_or_running_numbers_never_coincide_and_read_back(pattern, width, day,
                                                                                         other, data):
    fmt = check("HT", pattern % width)
    seq = data.draw(st.integers(1, 10**width - 1))
    seq2 = data.draw(st.integers(1, 10**width - 1))
    number = fmt.render(seq, day)
    assert int(re.match(fmt.regex(day), number).group(1)) == seq  # the stored numbers' shape
    if (fmt.key(day), seq) != (fmt.key(other), seq2):
        assert fmt.render(seq2, other) != number


def test_the_period_follows_the_local_date_across_midnight(db, monkeypatch, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    kind = KINDS[0]
    NumberFormat.objects.create(kind=kind, prefix="T", pattern="{prefix}{yyyymmdd}{seq:03d}")
    # 2026-12-31 15:59 UTC is 23:59 in Shanghai; a minute later it is New Year's Day there.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 31, 15, 59, tzinfo=datetime.UTC))
    assert next_number(kind) == "T20261231001"
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2026, 12, 31, 16, 0, tzinfo=datetime.UTC))
    assert next_number(kind) == "T20270101001"
    assert next_number(kind) == "T20270101002"


# -- every declared numbering -------------------------------------------------------------------


def test_numbered_records_exist_and_their_fields_may_be_left_blank_and_stay_unique():
    assert {"customers.customer", "contracts.contract"} <= set(KINDS)
    for kind, declared in DECLARED.items():
        field = declared.model._meta.get_field(declared.field)
        assert field.unique and field.blank, f"{kind}.{declared.field} must be unique and blank=True"
        widest = declared.default.render(10**6, DAY)
        assert len(widest) <= field.max_length, f"{kind}: {widest} does not fit the field"


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_are_consecutive_per_period_and_a_rollback_takes_its_number_back(db, kind):
    fmt = DECLARED[kind].default
    first = next_number(kind, on=DAY)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(kind, on=DAY)
        raise RuntimeError("the record was not saved")
    second = next_number(kind, on=DAY)
    seqs = [int(re.match(fmt.regex(DAY), n).group(1)) for n in (first, second)]
    assert seqs[1] == seqs[0] + 1
    assert NumberCounter.objects.filter(kind=kind).count() == 1
    if fmt.period != Period.NONE:  # a new period starts again at 1
        later = DAY + datetime.timedelta(days=400)
        assert int(re.match(fmt.regex(later), next_number(kind, on=later)).group(1)) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_the_administrators_format_replaces_the_declared_one(db, kind):
    row = NumberFormat.objects.create(kind=kind, prefix="ZZ", pattern="{prefix}-{yyyy}-{seq:03d}")
    assert next_number(kind, on=DAY) == "ZZ-2026-001"
    assert next_number(kind, on=DAY) == "ZZ-2026-002"
    row.delete()
    assert re.match(DECLARED[kind].default.regex(DAY), next_number(kind, on=DAY))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_callers_never_get_the_same_number(kind):
    """Each thread takes a number inside its own transaction, as a service saving a record does:
    on PostgreSQL the counter row (or, for the first number of a period, its unique constraint)
    queues them; on SQLite BEGIN IMMEDIATE does."""
    threads = 6
    numbers = []

    def take(i):
        with transaction.atomic():
            numbers.append(next_number(kind, on=DAY))

    assert at_once(take, threads) == ["ok"] * threads
    fmt = DECLARED[kind].default
    seqs = sorted(int(re.match(fmt.regex(DAY), n).group(1)) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + threads))


def _user(config, branch):
    user = UserFactory(branch=branch)
    role = RoleFactory(data_scope="all")
    role.permissions.set(model_permissions(config.model))
    user.roles.add(role)
    return user


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_created_through_the_api_without_a_number_is_numbered(client, db, kind):
    declared = DECLARED[kind]
    config = registry.configs[kind]
    branch = BranchFactory()
    client.force_login(_user(config, branch))
    data = as_api_data({**CASES[kind].data(branch), declared.field: ""})
    response = client.post(f"/api/v1/{config.url_prefix}/", data, content_type="application/json")
    assert response.status_code == 201, response.content
    number = response.json()[declared.field]
    assert re.match(declared.default.regex(timezone.localdate()), number)
    obj = declared.model._default_manager.get(**{declared.field: number})
    assert AuditEvent.objects.get(action="create", object_id=str(obj.pk)).changes[declared.field] == [None, number]


# -- the administrator's page and API ---------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    config = registry.configs["core.numberformat"]
    client.force_login(_user(config, BranchFactory()))
    return client


def test_an_unknown_placeholder_is_refused_with_a_translated_message(admin_client):
    body = {"kind": KINDS[0], "prefix": "SR", "pattern": "{prefix}{date}{seq:05d}"}
    response = admin_client.post("/api/v1/core/numberformat/", body, content_type="application/json")
    assert response.status_code == 400
    assert "{date}" in response.json()["error"]["fields"]["pattern"][0]
    response = admin_client.post("/api/v1/core/numberformat/", body, content_type="application/json",
                                 headers={"accept-language": "zh-hans"})
    assert "未知" in response.json()["error"]["fields"]["pattern"][0]
    page = admin_client.post("/core/numberformat/add/", body)
    assert page.status_code == 400 and "{date}" in page.content.decode()
    assert not NumberFormat.objects.exists()


def test_only_a_numbered_document_type_may_be_configured_once(admin_client):
    body = {"kind": "nothing.here", "prefix": "SR", "pattern": "{prefix}{seq:05d}"}
    response = admin_client.post("/api/v1/core/numberformat/", body, content_type="application/json")
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    body["kind"] = KINDS[0]
    assert admin_client.post("/api/v1/core/numberformat/", body, content_type="application/json").status_code == 201
    assert admin_client.post("/api/v1/core/numberformat/", body, content_type="application/json").status_code == 400
    page = admin_client.get("/core/numberformat/add/").content.decode()
    for kind, label in numbering.kind_choices():
        assert f'value="{kind}"' in page and label in page
