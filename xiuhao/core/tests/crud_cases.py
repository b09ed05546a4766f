from xiuhao.core import numbering
from xiuhao.core.models import AuditEvent, DictItem, DictType, NumberFormat
from xiuhao.core.testing import crud_case


def _event(branch):
    return AuditEvent.objects.create(action="action", branch=branch, object_repr=f"事件 {branch.code}", message="m")


def _number_format():
    """A row of a document type that is no longer numbered (the page keeps it editable)."""
    return NumberFormat.objects.create(kind=f"gone.kind{NumberFormat.objects.count()}", prefix="X",
                                       pattern="{prefix}{seq:04d}")


def _dict_type():
    return DictType.objects.create(code=f"t{DictType.objects.count()}", name="类型")


crud_case("core.auditevent", make=lambda b, o: _event(b), data=lambda b: {})
crud_case("core.dicttype", make=lambda b, o: _dict_type(), global_data=True,
          data=lambda b: {"code": "newdict", "name": "新字典"}, update={"description": "说明"})
crud_case("core.dictitem", make=lambda b, o: DictItem.objects.create(dict_type=_dict_type(), value="v", label="值"),
          global_data=True, data=lambda b: {"dict_type": _dict_type(), "value": "x1", "label": "选项一", "sort": 1,
                                             "is_active": True},
          update={"label_en": "Option one"})
crud_case("core.numberformat", make=lambda b, o: _number_format(), global_data=True,
          data=lambda b: {"kind": numbering.kind_choices()[0][0], "prefix": "KH", "pattern": "{prefix}{yyyy}{seq:05d}",
                          "reset": "year"},
          update={"prefix": "NEW"})
