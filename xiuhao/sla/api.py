"""API of the SLA beyond the registry's CRUD and the clocks' declared moves (pause, resume): a
clock's remaining time, the targets a request would get, and a calendar's due time for a start and
business minutes."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from xiuhao.core.errors import NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.registry import registry

from . import services
from .models import BusinessCalendar, Priority, RequestType, SlaClock
from .selectors import remaining

ClockSerializer = registry.configs["sla.slaclock"].serializer


class RemainingSerializer(serializers.Serializer):
    status = serializers.CharField()
    state = serializers.ChoiceField(choices=["on_time", "warning", "overdue"])
    remaining_minutes = serializers.IntegerField(help_text="Business minutes left; negative when overdue")
    used_minutes = serializers.IntegerField()
    target_minutes = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Percent of the target used (may pass 100)")
    due_at = serializers.DateTimeField(allow_null=True)
    label = serializers.CharField()


def _remaining_data(clock):
    r = remaining(clock)
    return {"status": r.status, "state": r.state, "remaining_minutes": r.minutes,
            "used_minutes": int(r.used.total_seconds() // 60), "target_minutes": clock.target_minutes,
            "percent": r.percent, "due_at": r.due_at, "label": r.label}


class _ClockView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def clock(self, request, pk, action="view"):
        if not request.user.has_perm(f"sla.{action}_slaclock"):
            raise PermissionDenied()
        return get_object_or_404(SlaClock.objects.restrict(request.user, "view").select_related("calendar"), pk=pk)


class ClockRemainingView(_ClockView):
    @extend_schema(responses=RemainingSerializer, summary="Business time left on a clock")
    def get(self, request, pk):
        return Response(RemainingSerializer(_remaining_data(self.clock(request, pk))).data)


class TargetsSerializer(serializers.Serializer):
    minutes = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    calendar = serializers.DictField(allow_null=True)
    policy = serializers.DictField(allow_null=True)
    sources = serializers.DictField(child=serializers.CharField())
    warn_pcts = serializers.ListField(child=serializers.IntegerField())
    escalate_after = serializers.ListField(child=serializers.IntegerField())
    reasons = serializers.ListField(child=serializers.CharField())


def _choice(params, name, choices):
    value = params.get(name, "").strip()
    if value and value not in choices:
        raise ValidationFailed(fields={name: [_("Not one of the choices.")]})
    return value


class TargetsView(APIView):
    """The SLA targets a request would get (policies, contract service level, calendar) and why."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("request_type", OpenApiTypes.STR, enum=RequestType.values),
            OpenApiParameter("priority", OpenApiTypes.STR, enum=Priority.values),
            OpenApiParameter("customer_tier", OpenApiTypes.STR),
            OpenApiParameter("branch", OpenApiTypes.INT, description="Branch id"),
            OpenApiParameter("device", OpenApiTypes.INT, description="Device id: its contracts' service level applies"),
        ],
        responses=TargetsSerializer, summary="Evaluate the SLA targets of a request",
    )
    def get(self, request):
        if not request.user.has_perm("sla.view_slapolicy"):
            raise PermissionDenied()
        from xiuhao.customers.models import Customer
        from xiuhao.org.models import Branch

        params = request.query_params
        kwargs = {"request_type": _choice(params, "request_type", RequestType.values),
                  "priority": _choice(params, "priority", Priority.values),
                  "customer_tier": _choice(params, "customer_tier", Customer.Tier.values)}
        branch_id = params.get("branch", "").strip()
        if branch_id:
            if not branch_id.isdigit() or len(branch_id) > 18:
                raise ValidationFailed(fields={"branch": [_("Give a branch id.")]})
            kwargs["branch"] = Branch.objects.filter(pk=int(branch_id)).first()
            if kwargs["branch"] is None:
                raise NotFound()
        device_id = params.get("device", "").strip()
        if device_id:
            from xiuhao.assets.models import Device
            from xiuhao.contracts.coverage import coverage_for

            if not device_id.isdigit() or len(device_id) > 18:
                raise NotFound()
            device = Device.objects.restrict(request.user, "view").select_related("customer").filter(
                pk=int(device_id)).first()
            if device is None:
                raise NotFound()
            kwargs["coverage"] = coverage_for(device)
            if not kwargs["customer_tier"] and device.customer_id:
                kwargs["customer_tier"] = device.customer.tier
        targets = services.sla_targets(**kwargs)
        return Response(TargetsSerializer(targets.as_dict()).data)


class DueSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    minutes = serializers.IntegerField()
    due = serializers.DateTimeField()


class CalendarDueView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("start", OpenApiTypes.DATETIME, description="ISO 8601; default now"),
                    OpenApiParameter("minutes", OpenApiTypes.INT, required=True, description="Business minutes")],
        responses=DueSerializer, summary="When a target of so many business minutes is due on a calendar",
    )
    def get(self, request, pk):
        if not request.user.has_perm("sla.view_businesscalendar"):
            raise PermissionDenied()
        calendar = get_object_or_404(BusinessCalendar.objects.restrict(request.user, "view"), pk=pk)
        text = request.query_params.get("start", "").strip()
        try:
            start = parse_datetime(text) if text else timezone.now()
        except ValueError:
            start = None
        if start is None:
            raise ValidationFailed(fields={"start": [_("Enter an ISO date-time, e.g. 2026-05-01T09:00:00+08:00.")]})
        start = timezone.make_aware(start) if timezone.is_naive(start) else start
        minutes = request.query_params.get("minutes", "").strip()
        if not minutes.isdigit() or int(minutes) > 60 * 24 * 366:
            raise ValidationFailed(fields={"minutes": [_("Give whole business minutes (at most a year).")]})
        try:
            due = services.work_calendar(calendar).add_business(start, int(minutes))
        except (ValueError, OverflowError) as exc:
            raise ValidationFailed(_("The calendar has no working time to count the target on.")) from exc
        return Response(DueSerializer({"start": start, "minutes": int(minutes), "due": due}).data)

