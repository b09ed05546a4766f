"""The customer serializer: the form's fields plus `confirm_duplicate` — a create (or a change
of name, phone or credit code) that looks like an existing customer is answered 409
`duplicate_suspected` with the candidates unless the request sets it."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from xiuhao.core.api import ScopedModelSerializer

from .forms import CUSTOMER_FIELDS
from .models import Customer


class CustomerSerializer(ScopedModelSerializer):
    confirm_duplicate = serializers.BooleanField(
        default=False, write_only=True,
        help_text=_("Save although the customer looks like an existing one (otherwise: 409 with the candidates)."))

    class Meta:
        model = Customer
        fields = ["id", "display", *CUSTOMER_FIELDS, "confirm_duplicate", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def validate(self, attrs):
        # Also on PATCH (where defaults are not applied): the request is always checked.
        attrs.setdefault("confirm_duplicate", False)
        return super().validate(attrs)
