"""Attachment pages (the detail page's tab: list, upload, delete; file download) and API.

Pages: /attachments/for/<app.model>/<object_id>/ (GET: tab partial, POST: upload),
       /attachments/<pk>/ (the file), /attachments/<pk>/delete/ (POST).
API:   GET/POST /api/v1/attachments/?model=<app.model>&object_id=<id>,
       GET/DELETE /api/v1/attachments/<pk>/, GET /api/v1/attachments/<pk>/download/.
Files never leave through MEDIA_URL: every download checks that the record is visible.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import attachments
from .errors import NotFound, ServiceError, ValidationFailed
from .models import Attachment

FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


def resolve_target(user, label, object_id):
    """(config, record) for an attachments-enabled model; NotFound unless the user sees it."""
    from .registry import registry

    config = registry.configs.get(str(label or ""))
    if config is None or not config.attachments:
        raise NotFound()
    try:
        obj = config.queryset(user, "view").filter(pk=object_id).first()
    except (ValueError, TypeError, DjangoValidationError):
        obj = None
    if obj is None:
        raise NotFound()
    return config, obj


def file_response(attachment, download=False):
    inline = attachment.mime_type in attachments.INLINE_TYPES and not download
    try:
        handle = attachment.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    content_type = attachment.mime_type + ("; charset=utf-8" if attachment.mime_type.startswith("text/") else "")
    response = FileResponse(handle, as_attachment=not inline, filename=attachments.download_name(attachment),
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response


# -- pages -------------------------------------------------------------------------------------------


def tab_context(request, config, obj, error=None):
    return {
        "object": obj,
        "config": config,
        "attachments": attachments.attachments_of(obj),
        "can_change": request.user.has_perm(config.perm("change")),
        "attachment_error": error,
    }


def _back_to_tab(config, obj):
    return redirect(f"{config.url('detail', obj)}?tab=attachments")


@login_required
@require_http_methods(["GET", "POST"])
def attachment_tab(request, model, object_id):
    """The attachments tab as a fragment; POST uploads a file and returns the fragment again."""
    try:
        config, obj = resolve_target(request.user, model, object_id)
    except NotFound as exc:
        raise Http404 from exc
    error, status_code = None, 200
    if request.method == "POST":
        try:
            attachment = attachments.attachment_add(
                actor=request.user, obj=obj, file=request.FILES.get("file"), kind=request.POST.get("kind", ""))
        except ServiceError as exc:
            error, status_code = _service_message(exc), exc.status
        if not request.htmx:
            if error:
                messages.error(request, error)
            else:
                messages.success(request, _("“%(name)s” was attached.") % {"name": attachment.original_name})
            return _back_to_tab(config, obj)
    response = TemplateResponse(request, "core/tabs/attachments.html", tab_context(request, config, obj, error))
    response.status_code = status_code
    return response


@login_required
def attachment_download(request, pk):
    try:
        attachment = attachments.attachment_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return file_response(attachment, download=bool(request.GET.get("download")))


@login_required
@require_POST
def attachment_delete(request, pk):
    try:
        attachment = attachments.attachment_get(user=request.user, pk=pk)
        config, obj = resolve_target(request.user, attachment.content_type.model_class()._meta.label_lower,
                                     attachment.object_id)
    except NotFound as exc:
        raise Http404 from exc
    error = None
    try:
        attachments.attachment_delete(actor=request.user, attachment=attachment)
    except ServiceError as exc:
        error = _service_message(exc)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The attachment was removed."))
        return _back_to_tab(config, obj)
    return TemplateResponse(request, "core/tabs/attachments.html", tab_context(request, config, obj, error))


def _service_message(exc):
    if isinstance(exc, ValidationFailed) and exc.fields and str(exc.message) == str(exc.default_message):
        return "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
    return str(exc.message)


# -- API ---------------------------------------------------------------------------------------------


KIND_HELP = "photo | video | document | signature"


@extend_schema_field({"type": "string", "description": KIND_HELP})
class KindField(serializers.ChoiceField):
    """The attachment kind; documented as a string (an enum named "kind" would clash with the
    user type's)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Attachment.Kind.choices, **kwargs)


class AttachmentSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField()
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    created_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "model", "object_id", "kind", "original_name", "mime_type", "size", "sha256",
                  "created_at", "created_by", "download_url"]
        read_only_fields = fields

    def get_model(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_created_by(self, obj) -> str:
        return str(obj.created_by) if obj.created_by_id else ""

    def get_download_url(self, obj) -> str:
        return reverse("api-attachment-download", args=[obj.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="app.model, e.g. org.branch (or ?model=)", required=False)
    object_id = serializers.CharField(help_text="The record's id (or ?object_id=)", required=False)
    kind = KindField()
    file = serializers.FileField()


TARGET_PARAMS = [
    OpenApiParameter("model", OpenApiTypes.STR, description="app.model, e.g. org.branch"),
    OpenApiParameter("object_id", OpenApiTypes.STR, description="The record's id"),
]


class AttachmentAPIBase(APIView):
    permission_classes = [permissions.IsAuthenticated]


class AttachmentListAPI(AttachmentAPIBase):
    @extend_schema(parameters=TARGET_PARAMS, responses={200: AttachmentSerializer(many=True)},
                   description="The attachments of one record.")
    def get(self, request):
        _config, obj = resolve_target(request.user, request.query_params.get("model"),
                                      request.query_params.get("object_id"))
        return Response(AttachmentSerializer(attachments.attachments_of(obj), many=True).data)

    @extend_schema(parameters=TARGET_PARAMS, request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer},
                   description="Attach a file; its type is read from the content, images are re-encoded.")
    def post(self, request):
        payload = AttachmentUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        label = payload.validated_data.get("model") or request.query_params.get("model")
        object_id = payload.validated_data.get("object_id") or request.query_params.get("object_id")
        _config, obj = resolve_target(request.user, label, object_id)
        attachment = attachments.attachment_add(actor=request.user, obj=obj, file=payload.validated_data["file"],
                                                kind=payload.validated_data["kind"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailAPI(AttachmentAPIBase):
    @extend_schema(responses={200: AttachmentSerializer})
    def get(self, request, pk):
        return Response(AttachmentSerializer(attachments.attachment_get(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        attachment = attachments.attachment_get(user=request.user, pk=pk)
        attachments.attachment_delete(actor=request.user, attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadAPI(AttachmentAPIBase):
    def perform_content_negotiation(self, request, force=False):
        # The answer is the file (whatever the client accepts) or a JSON error.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("download", OpenApiTypes.BOOL, description="Always as a download")])
    def get(self, request, pk):
        attachment = attachments.attachment_get(user=request.user, pk=pk)
        return file_response(attachment, download=bool(request.query_params.get("download")))
