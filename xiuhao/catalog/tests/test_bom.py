"""Multi-level BOM rules (same product, no cycles, quantity > 0), the `bom_lines` selector and the
category tree."""

from decimal import Decimal

import pytest

from xiuhao.catalog import selectors, services
from xiuhao.catalog.models import BomLine
from xiuhao.core.errors import PermissionDenied, ValidationFailed
from xiuhao.core.models import AuditEvent
from xiuhao.org.tests.factories import UserFactory, grant, user_with

from .factories import BomLineFactory, PartFactory, ProductCategoryFactory, ProductModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return user_with("catalog.view_bomline", "catalog.add_bomline", "catalog.change_bomline",
                     "catalog.delete_bomline", "catalog.change_productcategory",
                     "catalog.view_productcategory", data_scope="all")


@pytest.fixture
def product():
    return ProductModelFactory()


def add(actor, product, part, parent=None, quantity="1"):
    return services.bom_line_create(actor=actor, data={"product_model": product, "part": part, "parent": parent,
                                                       "quantity": Decimal(quantity)})


def test_bom_lines_come_parents_first_with_depth_extended_quantity_and_cost_rollup(editor, product):
    frame = PartFactory(code="FRAME", cost=Decimal("1000.00"))
    tube = PartFactory(code="TUBE", cost=Decimal("300.00"))
    anode = PartFactory(code="ANODE", cost=Decimal("12.50"))
    cable = PartFactory(code="CABLE", cost=Decimal("20.00"))
    top = add(editor, product, frame, quantity="1")
    mid = add(editor, product, tube, parent=top, quantity="2")
    add(editor, product, anode, parent=mid, quantity="3")
    add(editor, product, cable, quantity="1.5")

    lines = selectors.bom_lines(product)

    assert [(line.part.code, line.depth) for line in lines] == [("FRAME", 0), ("TUBE", 1), ("ANODE", 2), ("CABLE", 0)]
    assert [line.extended_quantity for line in lines] == [Decimal("1"), Decimal("2"), Decimal("6"), Decimal("1.5")]
    assert lines[2].extended_cost == Decimal("75.00")  # 6 × 12.50
    # An assembly's roll-up is what lies below it: 2 tubes × 300 + 6 anodes × 12.50.
    assert lines[0].rollup_cost == Decimal("75.00")
    assert lines[1].rollup_cost == Decimal("75.00")
    assert lines[3].rollup_cost == Decimal("30.00")
    assert selectors.bom_total_cost(lines) == Decimal("105.00")
    assert all(isinstance(line.extended_quantity, Decimal) for line in lines)


def test_bom_lines_costs_one_query_however_deep_the_tree(editor, product, django_assert_num_queries):
    parent = None
    for _ in range(6):
        parent = add(editor, product, PartFactory(), parent=parent)
    with django_assert_num_queries(1):
        assert len(selectors.bom_lines(product)) == 6


def test_a_parent_line_of_another_product_is_refused_and_nothing_is_written(editor, product):
    foreign = BomLineFactory()
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        add(editor, product, PartFactory(), parent=foreign)
    assert "parent" in exc.value.fields
    assert not BomLine.objects.filter(product_model=product).exists()
    assert AuditEvent.objects.count() == events


def test_a_part_may_not_appear_among_its_own_ancestors(editor, product):
    a, b = PartFactory(code="A"), PartFactory(code="B")
    top = add(editor, product, a)
    child = add(editor, product, b, parent=top)
    with pytest.raises(ValidationFailed) as exc:
        add(editor, product, a, parent=child)
    assert "A" in exc.value.fields["part"][0]
    # The same part elsewhere (another branch of the tree) is fine.
    other = add(editor, product, PartFactory(code="C"))
    assert add(editor, product, a, parent=other).pk


def test_moving_a_line_under_its_own_sub_line_is_refused(editor, product):
    top = add(editor, product, PartFactory())
    child = add(editor, product, PartFactory(), parent=top)
    grandchild = add(editor, product, PartFactory(), parent=child)
    with pytest.raises(ValidationFailed):
        services.bom_line_update(actor=editor, obj=top, data={"parent": grandchild})
    top.refresh_from_db()
    assert top.parent_id is None


def test_changing_a_part_so_that_it_repeats_below_is_refused(editor, product):
    a = PartFactory()
    top = add(editor, product, PartFactory())
    add(editor, product, a, parent=top)
    with pytest.raises(ValidationFailed):
        services.bom_line_update(actor=editor, obj=top, data={"part": a})


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_quantity_must_be_positive(editor, product, quantity):
    with pytest.raises(ValidationFailed) as exc:
        add(editor, product, PartFactory(), quantity=quantity)
    assert "quantity" in exc.value.fields


def test_the_same_part_twice_under_one_parent_is_refused(editor, product):
    part = PartFactory()
    add(editor, product, part)
    with pytest.raises(ValidationFailed):
        add(editor, product, part)


def test_writing_a_bom_needs_the_permission(product):
    viewer = UserFactory()
    grant(viewer, "catalog.view_bomline", data_scope="all")
    with pytest.raises(PermissionDenied):
        add(viewer, product, PartFactory())


def test_a_category_cannot_move_below_its_own_sub_category(editor):
    root = ProductCategoryFactory()
    child = ProductCategoryFactory(parent=root)
    with pytest.raises(ValidationFailed) as exc:
        services.category_update(actor=editor, obj=root, data={"parent": child})
    assert "parent" in exc.value.fields
    root.refresh_from_db()
    assert root.parent_id is None


def test_a_whole_bom_is_created_level_by_level_with_audit_events(editor, product):
    frame, tube, anode = PartFactory(code="FRAME"), PartFactory(code="TUBE"), PartFactory(code="ANODE")
    tree = [(frame, Decimal("1"), "A", [(tube, Decimal("2"), "", [(anode, Decimal("3"), "", [])])])]
    created = services.bom_tree_create(actor=editor, product_model=product, tree=tree)
    assert [(line.part.code, line.depth, line.extended_quantity) for line in selectors.bom_lines(product)] == [
        ("FRAME", 0, 1), ("TUBE", 1, 2), ("ANODE", 2, 6)]
    assert AuditEvent.objects.filter(action="create", object_id__in=[str(line.pk) for line in created]).count() == 3
    with pytest.raises(ValidationFailed):  # a second BOM for the same product
        services.bom_tree_create(actor=editor, product_model=product, tree=tree)


def test_a_bom_tree_with_a_cycle_writes_nothing(editor, product):
    a, b = PartFactory(), PartFactory()
    tree = [(a, Decimal("1"), "", [(b, Decimal("1"), "", [(a, Decimal("1"), "", [])])])]
    with pytest.raises(ValidationFailed):
        services.bom_tree_create(actor=editor, product_model=product, tree=tree)
    assert not BomLine.objects.filter(product_model=product).exists()


def test_bulk_create_is_all_or_nothing_and_needs_the_permission(editor):
    from xiuhao.catalog.models import Part

    user = UserFactory()
    grant(user, "catalog.add_part", data_scope="all")
    rows = [{"code": "B1", "name": "一"}, {"code": "B2", "name": "二", "cost": Decimal("-1")}]
    with pytest.raises(ValidationFailed) as exc:
        services.bulk_create(actor=user, model=Part, rows=rows)
    assert "cost" in exc.value.message
    with pytest.raises(ValidationFailed):  # the database's unique constraint
        services.bulk_create(actor=user, model=Part, rows=[rows[0], {"code": "B1", "name": "重复"}])
    assert not Part.objects.filter(code__in=["B1", "B2"]).exists()
    with pytest.raises(PermissionDenied):
        services.bulk_create(actor=editor, model=Part, rows=rows[:1])
    assert len(services.bulk_create(actor=user, model=Part, rows=rows[:1])) == 1
