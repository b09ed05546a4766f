"""API of the contracts beyond the registry's CRUD and the declared moves (core.moves): recording a payment, and
the coverage engine (`GET /api/v1/contracts/coverage/?device=<id>|serial=<sn>&at=<iso>`)."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from xiuhao.assets.models import Device
from xiuhao.core.errors import NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.moves import error_codes
from xiuhao.core.registry import registry

from . import services
from .coverage import coverage_for
from .models import PaymentPlan

# The registry derives these serializers; the URLconf imports this module after it is filled.
PaymentPlanSerializer = registry.configs["contracts.paymentplan"].serializer


class PaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_on = serializers.DateField()
    expected_paid = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False,
        help_text="The amount received that the clerk saw; the payment is refused (409) if it changed meanwhile.")


class RecordPaymentView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PaymentSerializer, summary="Record money received for an instalment",
                   responses=PaymentPlanSerializer, extensions={"x-error-codes": error_codes(
                       PaymentPlan.Refusals.OVERPAID, PaymentPlan.Refusals.NOT_POSITIVE)})
    def post(self, request, pk):
        plan = get_object_or_404(PaymentPlan.objects.restrict(request.user, "view"), pk=pk)
        data = PaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.payment_record(actor=request.user, plan=plan, **data.validated_data)
        return Response(PaymentPlanSerializer(plan, context={"request": request}).data)


# -- coverage ----------------------------------------------------------------------------------------
class CoverageContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    kind = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class CoverageProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    device = serializers.IntegerField()
    serial = serializers.CharField()
    at = serializers.DateTimeField()
    serviceable = serializers.BooleanField()
    warranty_kind = serializers.CharField(help_text="manufacturer | contract | repair | out")
    in_warranty = serializers.BooleanField(help_text="保内 (true) or 保外 (false)")
    contracts = CoverageContractSerializer(many=True)
    parts_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    labour_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    travel_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    response_hours = serializers.IntegerField(allow_null=True)
    onsite_hours = serializers.IntegerField(allow_null=True)
    repair_hours = serializers.IntegerField(allow_null=True)
    visits_included = serializers.IntegerField(allow_null=True)
    provider = CoverageProviderSerializer(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


def parse_moment(text):
    """An ISO datetime or date (None: now); anything else is refused."""
    if not text:
        return None
    try:
        moment = parse_datetime(text) or parse_date(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationFailed(fields={"at": [_("Enter an ISO date or date-time, e.g. 2026-05-01T09:00:00+08:00.")]})
    return moment


class CoverageView(APIView):
    """What covers a device at a moment: warranty kind, contracts, percentages, SLA hours,
    provider and the reasons (the coverage engine, docs/contracts.md)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("device", OpenApiTypes.INT, description="Device id (or give `serial`)"),
            OpenApiParameter("serial", OpenApiTypes.STR, description="Device serial number"),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="The moment (ISO 8601; default now)"),
        ],
        responses=CoverageSerializer,
        summary="Coverage of a device at a moment",
    )
    def get(self, request):
        if not request.user.has_perm("contracts.view_contract"):
            raise PermissionDenied()
        at = parse_moment(request.query_params.get("at", "").strip())
        devices = Device.objects.restrict(request.user, "view").select_related("customer")
        device_id = request.query_params.get("device", "").strip()
        serial = request.query_params.get("serial", "").strip()
        if device_id:
            if not device_id.isdigit() or len(device_id) > 18:
                raise NotFound()
            device = devices.filter(pk=int(device_id)).first()
        elif serial:
            device = devices.filter(serial=serial[:100]).first()
        else:
            raise ValidationFailed(fields={"device": [_("Give the device id or its serial number.")]})
        if device is None:
            raise NotFound()
        if isinstance(at, datetime.date) and not isinstance(at, datetime.datetime):
            at = datetime.datetime.combine(at, datetime.time(12))
        return Response(CoverageSerializer(coverage_for(device, at=at).seen_by(request.user).as_dict()).data)
