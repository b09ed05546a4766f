"""Which targets a request gets: the most specific active policy, the contract's stricter service
level, the calendar of the policy, the branch or the company — and the reasons why."""

from types import SimpleNamespace

import pytest

from xiuhao.core.errors import PermissionDenied, ValidationFailed
from xiuhao.org.tests.factories import BranchFactory, UserFactory, grant
from xiuhao.sla import services
from xiuhao.sla.models import SlaPolicy

from .factories import office_calendar


def policy(**kwargs):
    kwargs.setdefault("name", "策略")
    kwargs.setdefault("response_minutes", 240)
    return SlaPolicy.objects.create(**kwargs)


@pytest.fixture
def policies(branch):
    return {
        "any": policy(name="通用", response_minutes=480, arrival_minutes=2880, resolution_minutes=4320),
        "gold": policy(name="金牌", customer_tier="gold", response_minutes=120, arrival_minutes=480),
        "gold_urgent": policy(name="金牌紧急", customer_tier="gold", priority="urgent", response_minutes=30,
                              arrival_minutes=240, resolution_minutes=960),
        "gold_urgent_off": policy(name="停用", customer_tier="gold", priority="urgent", request_type="repair",
                                  response_minutes=1, is_active=False),
        "branch_remote": policy(name="本分公司远程", branch=branch, request_type="remote", response_minutes=60,
                                resolution_minutes=240),
    }


def test_the_most_specific_active_policy_wins_and_blank_means_any(policies, branch):
    def chosen(**kw):
        return services.sla_targets(branch=branch, **kw).policy.name

    assert chosen(request_type="repair", priority="urgent", customer_tier="gold") == "金牌紧急"
    assert chosen(request_type="repair", priority="normal", customer_tier="gold") == "金牌"
    assert chosen(request_type="repair", priority="normal", customer_tier="silver") == "通用"
    assert chosen(request_type="remote", priority="normal", customer_tier="silver") == "本分公司远程"
    assert services.sla_targets(request_type="remote", branch=BranchFactory()).policy.name == "通用"


def test_equally_specific_policies_are_decided_by_sequence(branch):
    policy(name="B", customer_tier="gold", sequence=20)
    policy(name="A", priority="high", sequence=10)
    assert services.sla_targets(customer_tier="gold", priority="high", branch=branch).policy.name == "A"


def test_the_targets_say_minutes_per_clock_and_why(policies, branch, calendar):
    targets = services.sla_targets(request_type="repair", priority="urgent", customer_tier="gold", branch=branch)
    assert targets.minutes == {"response": 30, "arrival": 240, "resolution": 960}
    assert targets.calendar == calendar
    assert any("金牌紧急" in str(r) for r in targets.reasons)
    assert targets.as_dict()["policy"]["name"] == "金牌紧急"


def test_a_policy_without_an_arrival_target_starts_no_arrival_clock(policies, branch, calendar):
    targets = services.sla_targets(request_type="remote", branch=branch)
    assert targets.minutes["arrival"] is None
    clocks = services.clocks_start(actor=None, target=branch, targets=targets)
    assert sorted(c.kind for c in clocks) == ["resolution", "response"]


def coverage(**hours):
    """What the coverage engine says: hours per target and where they come from."""
    source = {name: ("HT-1" if name in hours else "tier") for name in ("response", "onsite", "repair")}
    values = {"response": 8, "onsite": 48, "repair": 72, **hours}
    return SimpleNamespace(sla_source=source, **{f"{k}_hours": v for k, v in values.items()})


def test_a_stricter_contract_target_wins_and_a_looser_one_does_not(policies, branch):
    targets = services.sla_targets(customer_tier="gold", branch=branch, coverage=coverage(response=1, onsite=24))
    assert targets.minutes["response"] == 60  # contract 1 h beats the policy's 2 h
    assert targets.minutes["arrival"] == 480  # the contract's 24 h is looser than the policy's 8 h
    assert targets.sources["response"] == "contract:HT-1" and targets.sources["arrival"] == "policy"
    assert any("HT-1" in str(r) for r in targets.reasons)


def test_the_tier_defaults_of_the_coverage_engine_never_override_a_policy(policies, branch):
    targets = services.sla_targets(customer_tier="gold", branch=branch, coverage=coverage())
    assert targets.minutes["response"] == 120


def test_a_policy_may_ignore_contract_targets(branch):
    policy(name="不看合同", use_contract_targets=False, response_minutes=240)
    assert services.sla_targets(branch=branch, coverage=coverage(response=1)).minutes["response"] == 240


def test_without_any_policy_the_tier_defaults_apply(branch, settings):
    settings.SLA_DEFAULTS_BY_TIER = {"gold": {"response": 2, "onsite": 8, "repair": 24}}
    targets = services.sla_targets(customer_tier="gold", branch=branch)
    assert targets.minutes == {"response": 120, "arrival": 480, "resolution": 1440}
    assert targets.policy is None and set(targets.sources.values()) == {"tier"}


def test_the_calendar_comes_from_the_policy_else_the_branch_else_the_default(branch):
    default = office_calendar(code="default", is_default=True)
    assert services.sla_targets(branch=branch).calendar == default
    own = office_calendar(code="own", branch=branch)
    assert services.sla_targets(branch=branch).calendar == own
    always = office_calendar(code="always")
    policy(name="7×24", calendar=always)
    assert services.sla_targets(branch=branch).calendar == always


def test_without_any_calendar_every_hour_counts(branch):
    targets = services.sla_targets(branch=branch)
    assert targets.calendar is None
    assert services.work_calendar(None).always


def test_a_policy_needs_a_target_and_ordered_thresholds(branch):
    admin = UserFactory(is_superuser=True)
    base = {"name": "坏策略", "sequence": 1, "is_active": True, "branch": branch, "use_contract_targets": True,
            "warn_first_pct": 50, "warn_second_pct": 80, "escalate_1_after": 0, "escalate_2_after": 60,
            "escalate_3_after": 240}
    with pytest.raises(ValidationFailed) as exc:
        services.sla_object_create(actor=admin, model=SlaPolicy, data=base)
    assert "response_minutes" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.sla_object_create(actor=admin, model=SlaPolicy,
                                   data={**base, "response_minutes": 60, "warn_first_pct": 90})
    assert "warn_second_pct" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.sla_object_create(actor=admin, model=SlaPolicy,
                                   data={**base, "response_minutes": 60, "escalate_2_after": 500})


def test_company_wide_calendars_and_policies_are_head_offices(branch):
    shared = office_calendar(code="default", is_default=True)
    clerk = UserFactory(branch=branch)
    grant(clerk, "sla.view_businesscalendar", "sla.change_businesscalendar", "sla.add_slapolicy",
          "sla.view_slapolicy", data_scope="branch")
    from xiuhao.sla.models import BusinessCalendar

    assert BusinessCalendar.objects.visible_to(clerk).filter(pk=shared.pk).exists()  # they see it…
    with pytest.raises(PermissionDenied):  # …but do not change it
        services.sla_object_update(actor=clerk, obj=shared, data={"name": "改"})
    created = services.sla_object_create(actor=clerk, model=SlaPolicy, data={"name": "本地", "response_minutes": 60})
    assert created.branch == branch  # a branch clerk's policy belongs to their branch
    head_office = UserFactory(branch=branch)
    grant(head_office, "sla.add_slapolicy", "sla.view_slapolicy", data_scope="all")
    company = services.sla_object_create(actor=head_office, model=SlaPolicy,
                                         data={"name": "全公司", "branch": None, "response_minutes": 60})
    assert company.branch is None


def test_changing_working_hours_takes_effect_at_once(branch, calendar):
    from datetime import time

    from xiuhao.sla.models import WorkingPeriod

    from .conftest import at

    admin = UserFactory(is_superuser=True)
    cal = services.work_calendar(calendar)
    assert cal.add_business(at(2026, 5, 10, 9), 60) == at(2026, 5, 11, 9, 30)  # Sunday: closed
    calendar.refresh_from_db()
    services.sla_object_create(actor=admin, model=WorkingPeriod,
                               data={"calendar": calendar, "weekday": 6, "start_time": time(9), "end_time": time(12)})
    calendar.refresh_from_db()
    assert services.work_calendar(calendar).add_business(at(2026, 5, 10, 9), 60) == at(2026, 5, 10, 10)
    with pytest.raises(ValidationFailed):  # overlapping the new period
        services.sla_object_create(actor=admin, model=WorkingPeriod,
                                   data={"calendar": calendar, "weekday": 6, "start_time": time(11),
                                         "end_time": time(13)})
