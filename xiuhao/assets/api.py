"""Installed-base API beyond the registry's CRUD: the S/N look-up. Same permission and data
scope as the page: the device view permission, records from `visible_to`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class LookupDeviceOut(serializers.Serializer):
    id = serializers.IntegerField()
    serial = serializers.CharField()
    product_model = serializers.CharField(source="product_model.__str__")
    customer = serializers.CharField(source="customer.name", default=None, allow_null=True)
    site = serializers.CharField(source="address.__str__", default=None, allow_null=True)
    status = serializers.CharField(help_text="registered | invalid")
    warranty_kind = serializers.CharField(help_text="manufacturer | contract | repair | out")
    warranty_start = serializers.DateField(allow_null=True)
    warranty_end = serializers.DateField(allow_null=True)
    install_date = serializers.DateField(allow_null=True)
    in_warranty = serializers.SerializerMethodField()

    def get_in_warranty(self, device) -> bool:
        return device.warranty_state in ("active", "expiring")


class LookupShipmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    order_no = serializers.CharField()
    shipped_on = serializers.DateField()
    product_code = serializers.CharField()
    customer_code = serializers.CharField()
    customer_name = serializers.CharField()
    warehouse = serializers.CharField()


class LookupOut(serializers.Serializer):
    serial = serializers.CharField()
    device = LookupDeviceOut(allow_null=True)
    shipments = LookupShipmentOut(many=True)


class LookupAPI(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("serial", OpenApiTypes.STR, required=True, description="serial number")],
        responses={200: LookupOut},
        description="S/N look-up: the device with this serial (if you may see it), its warranty and its "
                    "ERP shipment history. 404 when you may see neither.",
    )
    def get(self, request):
        if not request.user.has_perm("assets.view_device"):
            raise exceptions.PermissionDenied()
        serial = (request.query_params.get("serial") or "").strip()[:100]
        if not serial:
            raise exceptions.ValidationError({"serial": ["This field is required."]})
        device, shipments = selectors.device_lookup(user=request.user, serial=serial)
        if device is None and not shipments:
            raise exceptions.NotFound()
        return Response(LookupOut({"serial": serial, "device": device, "shipments": shipments}).data)
