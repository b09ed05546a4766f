import factory

from xiuhao.integrations.models import ExternalAccount, NotificationDelivery
from xiuhao.org.tests.factories import UserFactory


class ExternalAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalAccount

    user = factory.SubFactory(UserFactory)
    channel = ExternalAccount.Channel.WECOM
    external_id = factory.Sequence(lambda n: f"user-{n:05d}")


class NotificationDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationDelivery

    user = factory.SubFactory(UserFactory)
    channel = NotificationDelivery.Channel.SMS_ALIYUN
    address = "+86138****8000"
    kind = "warranty_expiry"
    subject = factory.Sequence(lambda n: f"保修即将到期 {n}")
    status = NotificationDelivery.Status.FAILED
    error = "isv.BUSINESS_LIMIT_CONTROL: 触发分钟级流控Permits:1"
