import datetime
from pathlib import Path

import pytest
from django.utils import translation

from xiuhao.org.tests.factories import RoleFactory, UserFactory
from xiuhao.workflow import engine, services

TEST_PROCESSES = Path(__file__).resolve().parent / "bpmn"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # pages too (the test client sends no language)
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_spec_cache():
    """SQLite reuses the ids of rolled-back rows: a definition id of one test may be another
    file in the next (production ids are never reused, so the cache is keyed by id)."""
    engine.clear_cache()
    yield
    engine.clear_cache()


@pytest.fixture
def processes(db):
    """The test processes of tests/bpmn/ next to the shipped ones."""
    services.definitions_sync(directory=TEST_PROCESSES)


@pytest.fixture
def clerk(branch):
    return UserFactory(branch=branch)


@pytest.fixture
def approver_role(branch):
    return RoleFactory(code="report-approvers")


@pytest.fixture
def restart():
    """A restart of the process: the parsed specs are forgotten."""
    return engine.clear_cache


class MovedClock:
    """Moves the clock of Django and of SpiffWorkflow's timers forward."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.offset = datetime.timedelta()

    def forward(self, **kwargs):
        self.offset += datetime.timedelta(**kwargs)
        offset = self.offset
        real = datetime.datetime

        class Shifted(real):
            @classmethod
            def now(cls, tz=None):
                return real.now(tz) + offset

        import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_module
        from django.utils import timezone

        self.monkeypatch.setattr(timer_module, "datetime", Shifted)
        self.monkeypatch.setattr(timezone, "now", lambda: real.now(datetime.UTC) + offset)


@pytest.fixture
def clock(monkeypatch):
    return MovedClock(monkeypatch)
