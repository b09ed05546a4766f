from xiuhao.core.testing import crud_case
from xiuhao.org.models import Region

from .factories import (
    DepartmentFactory,
    EngineerFactory,
    EngineerSkillFactory,
    OutletFactory,
    RoleFactory,
    SkillFactory,
    UserFactory,
)


def _region(code="440300"):
    return Region.objects.get(code=code)


crud_case("org.branch", make=lambda b, o: b,
          data=lambda b: {"code": "newbr", "name": "新分公司", "region": _region(), "status": "active"},
          update={"phone": "0755-88886666"})
crud_case("org.department", make=lambda b, o: DepartmentFactory(branch=b),
          data=lambda b: {"branch": b, "code": "newdept", "name": "新部门", "sort": 1, "status": "active"},
          update={"name": "改名部门"})
crud_case("org.employee", make=lambda b, o: UserFactory(branch=b, kind="staff"),
          data=lambda b: {"username": "newemp", "display_name": "新员工", "password": "Secur3pass", "branch": b,
                          "is_active": True},
          update={"display_name": "改名员工"})
crud_case("org.outletuser", make=lambda b, o: UserFactory(kind="outlet", outlet=o),
          data=lambda b: {"username": "newoutletuser", "display_name": "网点员工", "password": "Secur3pass",
                          "outlet": OutletFactory(branch=b), "is_active": True},
          update={"display_name": "改名网点员工"})
crud_case("org.outlet", make=lambda b, o: o,
          data=lambda b: {"code": "newoutlet", "name": "新网点", "branch": b, "status": "active",
                          "regions": [_region()]},
          update={"contact_name": "李四"})
crud_case("org.role", make=lambda b, o: RoleFactory(), global_data=True,
          data=lambda b: {"code": "newrole", "name": "新角色", "data_scope": "branch", "status": "active"},
          update={"description": "说明"})
crud_case("org.skill", make=lambda b, o: SkillFactory(), global_data=True,
          data=lambda b: {"code": "newskill", "name": "新技能"},
          update={"description": "说明"})
crud_case("org.engineer", make=lambda b, o: EngineerFactory(user=UserFactory(branch=b, outlet=o, kind="outlet" if o else "staff")),
          data=lambda b: {"user": UserFactory(branch=b), "level": 2, "status": "active", "is_field": True,
                          "regions": [_region()]},
          update={"home_address": "深圳市南山区科技园"})
crud_case("org.engineerskill",
          make=lambda b, o: EngineerSkillFactory(engineer=EngineerFactory(user=UserFactory(branch=b, outlet=o, kind="outlet" if o else "staff"))),
          data=lambda b: {"engineer": EngineerFactory(user=UserFactory(branch=b)), "skill": SkillFactory(), "level": 2},
          update={"level": 4})
crud_case("org.region", make=lambda b, o: Region.objects.order_by("code").first(), global_data=True, data=lambda b: {})
