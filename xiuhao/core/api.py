"""REST API plumbing: auth, permissions, pagination, one error body, derived serializers and
viewsets for registered models, Idempotency-Key on POST."""

import hashlib
import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import audit, excel, visibility
from .api_base import ModelPermissions, RequestTooLarge
from .errors import ServiceError, ValidationFailed
from .fields import no_control_characters
from .models import IdempotencyRecord

ERROR_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "validation_failed",
    RequestTooLarge: "request_too_large",
}


def _error_code(exc):
    for cls, code in ERROR_CODES.items():
        if isinstance(exc, cls):
            return code
    return "error"


def exception_handler(exc, context):
    """Every API error has the body {"error": {"code", "message", "fields"?}}."""
    if isinstance(exc, ServiceError):
        return Response({"error": exc.as_dict()}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response({"error": ValidationFailed.from_django(exc).as_dict()}, status=400)
    if isinstance(exc, RequestDataTooBig):
        return Response({"error": {"code": "request_too_large", "message": _("The request is too large.")}}, status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response({"error": {"code": "malformed_request", "message": _("The request could not be read.")}},
                        status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("The record does not exist or you may not see it."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _error_code(exc)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
            body = {"code": code, "message": _("Please correct the errors below."), "fields": fields}
        else:
            items = detail if isinstance(detail, list) else [detail]
            body = {"code": code, "message": "；".join(str(m) for m in items)}
    else:
        body = {"code": code, "message": str(getattr(exc, "detail", exc))}
    response.data = {"error": body}
    return response


# -- serializers -------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
                      "example": "08:30:00"})
class TimeOfDayField(serializers.TimeField):
    """A wall-clock time of day, "08:30:00" (read), "08:30" or "08:30:00" (write). OpenAPI's
    `format: time` is RFC 3339's full-time, which carries a UTC offset ("08:30:00+08:00") that a
    time of day stored without a zone never has: the schema says what the API really sends."""


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related-record fields accept only records the requesting user may see."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.TimeField: TimeOfDayField}

    display = serializers.SerializerMethodField(help_text=gettext_lazy("The record's display text"))

    def get_display(self, obj) -> str:
        return str(obj)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for f in fields.values():
            if isinstance(f, serializers.CharField) and not f.read_only:
                f.validators = [*f.validators, no_control_characters]
            target = f.child_relation if isinstance(f, serializers.ManyRelatedField) else f
            queryset = getattr(target, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to") and user is not None:
                target.queryset = queryset.visible_to(user)
        return self.without_hidden(fields, user)

    def without_hidden(self, fields, user):
        """Fields declared sensitive (core.visibility) are neither shown to nor written by a user
        without their permission; the schema says so."""
        declared = visibility.declared(self.Meta.model)
        if user is None or getattr(self.context.get("view"), "swagger_fake_view", False):
            for name, perm in declared.items():
                if name in fields:
                    note = format_lazy(gettext_lazy("Present only for users holding the permission {}."), perm)
                    text = fields[name].help_text
                    fields[name].help_text = format_lazy("{} {}", text, note) if text else note
            return fields
        for name in visibility.hidden_fields(self.Meta.model, user):
            fields.pop(name, None)
        return fields

    def validate(self, attrs):
        # Rules (full_clean, unique checks) run once, in the service.
        return attrs

    def to_representation(self, instance):
        # Advice on a saved record (e.g. a price below cost): `warnings`, a list of messages,
        # present only when there is something to say (see docs/api.md).
        data = super().to_representation(instance)
        advise = getattr(instance, "save_warnings", None)
        request = self.context.get("request")
        if advise is not None and request is not None and request.method in ("POST", "PUT", "PATCH"):
            notes = advise(hidden=visibility.hidden_fields(type(instance), request.user))
            if notes:
                data["warnings"] = [str(n) for n in notes]
        return data


def build_serializer(config):
    read_only = [f for f in ("created_at", "updated_at") if _has_field(config.model, f)]
    if not config.form_fields:
        # Read-only models (the operation log, regions) show what their detail page shows.
        shown = config.api_fields or [*config.get_detail_fields(), *config.list_fields]
        read_only = [f for f in [*shown, *read_only] if "__" not in f]
        read_only = list(dict.fromkeys(read_only))
    meta = type(
        "Meta",
        (),
        {
            "model": config.model,
            "fields": ["id", "display", *config.form_fields, *read_only],
            "read_only_fields": read_only,
            "validators": [],
        },
    )
    return type(f"{config.model.__name__}Serializer", (ScopedModelSerializer,), {"Meta": meta})


def _has_field(model, name):
    try:
        model._meta.get_field(name)
        return True
    except Exception:
        return False


# -- idempotency -----------------------------------------------------------------------------------


def _request_hash(request):
    try:
        payload = json.dumps(request.data, sort_keys=True, default=str)
    except TypeError:
        payload = repr(request.data)
    return hashlib.sha256(f"{request.method} {request.path}\n{payload}".encode()).hexdigest()


class _TwinFirst(Exception):
    """Another request with the same key claimed it first."""


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def idempotent(handler):
    """Wrap a POST handler: with an Idempotency-Key header, the key is claimed (unique user+key
    row) before the work starts, in the same transaction, and the successful response is stored
    with it. A repeat — or a concurrent twin, which waits on the claim until the first commits —
    gets the stored response and creates nothing. A failed request releases the claim."""

    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or not request.user.is_authenticated:
            return handler(self, request, *args, **kwargs)
        if len(key) > 255:
            raise ValidationFailed(_("The Idempotency-Key header is longer than 255 characters."))
        digest = _request_hash(request)

        def replay(record):
            if record.request_hash != digest:
                raise ServiceError(
                    _("This Idempotency-Key was already used for a different request."),
                    code="idempotency_key_reused",
                )
            response = Response(record.body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response

        existing = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if existing:
            return replay(existing)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        claim = IdempotencyRecord.objects.create(
                            user=request.user, key=key, method=request.method, path=request.path[:255],
                            request_hash=digest, status_code=0,
                        )
                except IntegrityError as exc:
                    raise _TwinFirst from exc
                response = handler(self, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _NotStored(response)
                claim.status_code = response.status_code
                claim.body = json.loads(json.dumps(response.data, default=str))
                claim.save(update_fields=["status_code", "body"])
        except _TwinFirst:
            return replay(IdempotencyRecord.objects.get(user=request.user, key=key))
        except _NotStored as failed:
            return failed.response
        return response

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


# -- viewsets ----------------------------------------------------------------------------------------

ACTION_PERMS = {
    "list": "view", "retrieve": "view", "create": "add", "update": "change",
    "partial_update": "change", "destroy": "delete", "export": "export",
}


class ConfigViewSet(viewsets.ModelViewSet):
    config = None
    lookup_value_regex = "[0-9]+"  # ids are integers; anything else is an unknown URL (404)

    def get_queryset(self):
        return self.config.queryset(self.request.user, ACTION_PERMS.get(self.action, "view"))

    def get_serializer_class(self):
        return self.config.serializer

    @property
    def filterset_class(self):
        return self.config.filterset

    @property
    def ordering_fields(self):
        fields = [f for f in self.config.list_fields if "__" not in f]
        return self.config.visible_fields(fields, self.request.user) if self.request else fields

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = self.config.create(actor=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = self.config.update(
            actor=self.request.user, obj=serializer.instance, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        self.config.delete(actor=self.request.user, obj=instance)

    @extend_schema(responses={(200, excel.XLSX): bytes}, description="Excel export of the filtered rows.")
    @action(detail=False, methods=["get"], permission_classes=[ModelPermissions])
    def export(self, request):
        if not request.user.has_perm(self.config.perm("export")):
            raise exceptions.PermissionDenied()
        rows = self.filter_queryset(self.get_queryset())
        response, count = excel.export_response(self.config, rows, user=request.user)
        audit.record(
            actor=request.user, action="export", verb=self.config.key,
            message=_("Exported %(count)s rows of %(what)s (API)") % {"count": count, "what": self.config.verbose_name_plural},
        )
        return response


def move_endpoint(config, move):
    """`POST /api/v1/<app>/<model>/<pk>/<move>/` of a declared move (core.moves): the move's
    permission (403), a record within the data scope (404 as for a missing one), the form's
    fields as the body, Idempotency-Key; answers the record (or, for a move that creates one,
    the new record with 201). The error codes it may answer are listed in the schema."""
    from drf_spectacular.utils import OpenApiResponse
    from rest_framework.permissions import IsAuthenticated

    machine = config.machine
    status = 201 if move.creates else 200
    codes = move.error_codes()
    listed = "; ".join(f"{http}: {', '.join(names)}" for http, names in codes.items())

    intro = "" if callable(move.intro) else move.intro
    facts = f"Allowed from status: {', '.join(move.sources)}." + (f" Moves to: {move.target}." if move.target else "")

    def handler(self, request, pk=None):
        perm = move.perm(config.model)
        if perm and not request.user.has_perm(perm):
            raise exceptions.PermissionDenied()
        obj = get_object_or_404(config.queryset(request.user, "view"), pk=pk)
        data = {}
        if move.serializer is not None:
            body = move.serializer(data=request.data, context={"request": request})
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            for name in visibility.hidden_fields(config.model, request.user):  # e.g. a renewal's amount
                data.pop(name, None)
        result = machine.perform(move.name, actor=request.user, obj=obj, data=data)
        if not isinstance(result, config.model):
            result = obj
        result.refresh_from_db()
        return Response(config.serializer(result, context={"request": request}).data, status=status)

    handler.__name__ = f"move_{move.verb}"  # the router maps POST to the action by this name
    handler = action(detail=True, methods=["post"], url_path=move.name, url_name=move.name,
                     permission_classes=[IsAuthenticated])(idempotent(handler))
    return extend_schema(
        request=move.serializer, summary=move.label,
        description=format_lazy("{} {} Error codes — {}.", intro, facts, listed),
        responses={status: config.serializer, **{int(h): OpenApiResponse(description=", ".join(n))
                                                 for h, n in codes.items()}},
        extensions={"x-error-codes": codes},
    )(handler)


def _no_create(self, request, *args, **kwargs):
    raise exceptions.MethodNotAllowed(request.method)


def build_viewset(config):
    attrs = {"config": config}
    for move in config.page_moves():
        handler = move_endpoint(config, move)
        attrs[handler.__name__] = handler
    if config.page_moves() and not config.form_fields:
        # Records written by services only (an SLA clock) still have their moves' POSTs; no create.
        attrs["create"] = extend_schema(exclude=True)(_no_create)
    cls = type(f"{config.model.__name__}ViewSet", (ConfigViewSet,), attrs)
    if config.refusals:
        from drf_spectacular.utils import extend_schema_view

        from .moves import error_codes

        documented = {"update": "update", "partial_update": "update", "create": "create", "destroy": "destroy"}
        cls = extend_schema_view(**{
            action_name: extend_schema(extensions={"x-error-codes": error_codes(*config.refusals[key])})
            for action_name, key in documented.items() if key in config.refusals})(cls)
    methods = ["get", "head", "options"]
    if config.form_fields:
        methods += ["post", "put", "patch"]
        if config.deletable:
            methods.append("delete")
    elif config.page_moves():
        methods.append("post")
    cls.http_method_names = methods
    return cls
