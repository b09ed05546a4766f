from xiuhao.core.testing import crud_case
from xiuhao.org.tests.factories import UserFactory

from .factories import ExternalAccountFactory, NotificationDeliveryFactory


def _user_in(branch, outlet):
    return UserFactory(branch=branch, outlet=outlet, kind="outlet" if outlet else "staff")


crud_case("integrations.externalaccount", make=lambda b, o: ExternalAccountFactory(user=_user_in(b, o)),
          data=lambda b: {"user": UserFactory(branch=b), "channel": "dingtalk", "external_id": "manager0931"},
          update={"external_id": "manager0932"})
crud_case("integrations.notificationdelivery", make=lambda b, o: NotificationDeliveryFactory(user=_user_in(b, o)),
          data=lambda b: {})
