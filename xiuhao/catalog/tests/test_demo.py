"""The catalogue demo: complete, fast, idempotent, written through the services."""


import pytest

from xiuhao.catalog import demo, selectors
from xiuhao.catalog.models import (
    BomLine,
    FaultCode,
    FeeStandard,
    MileageBand,
    Part,
    ProductCategory,
    ProductModel,
)
from xiuhao.core.models import AuditEvent
from xiuhao.org import demo as org_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    org_demo.load()
    return demo.load()


def test_the_demo_fills_every_catalogue_page_through_the_services(loaded):
    result = loaded
    assert ProductCategory.objects.count() == len(demo.CATEGORIES)
    assert ProductModel.objects.count() == 15
    assert Part.objects.count() >= 80
    assert FeeStandard.objects.filter(formula__gt="").exists()
    assert MileageBand.objects.count() >= 6
    for product in ProductModel.objects.all():
        lines = selectors.bom_lines(product)
        assert lines and max(line.depth for line in lines) >= 1, product
    for category in ("xray", "ultrasound", "lab", "refrigeration", "monitor"):
        for kind in FaultCode.Kind.values:
            assert FaultCode.objects.filter(category__code=category, kind=kind).count() == 10
    created_events = AuditEvent.objects.filter(action="create", content_type__app_label="catalog").count()
    assert created_events == sum(result.created.values())


def test_a_second_load_creates_nothing(loaded):
    counts = [m.objects.count() for m in (Part, BomLine, FaultCode, MileageBand)]
    assert demo.load().created == {}
    assert [m.objects.count() for m in (Part, BomLine, FaultCode, MileageBand)] == counts
