"""Import pages (upload, template, status with htmx progress, confirm) and the import API.

Pages: /<app>/<model>/import/ (+ template/), /imports/<pk>/ (+ confirm/, errors.xlsx/).
API:   POST /api/v1/<app>/<model>/import/ (multipart `file`, ?confirm=1),
       POST /api/v1/<app>/<model>/bulk/ ({"rows": [...], "dry_run": bool}),
       GET /api/v1/imports/<pk>/, POST /api/v1/imports/<pk>/confirm/.
All writes go through services.py.
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import excel, visibility
from ..api import idempotent
from ..errors import NotFound, ServiceError
from ..models import ImportJob
from ..moves import error_codes
from ..views import ConfigView
from . import progress, services, writing
from .pipeline import import_field_names

RECENT_JOBS = 10
ERRORS_ON_PAGE = 200


# -- pages -------------------------------------------------------------------------------------------


class ImportView(ConfigView):
    action = "import"
    template_name = "core/import.html"

    def context(self, error=None):
        config = self.config
        recent = ImportJob.objects.visible_to(self.request.user).filter(model_label=config.key)[:RECENT_JOBS]
        return {
            "breadcrumbs": self.breadcrumbs(leaf=_("Import")),
            "page_title": _("Import %(what)s") % {"what": config.verbose_name_plural},
            "template_url": config.url("import_template"),
            "list_url": config.url("list"),
            "key_header": excel.header_for(config.model, config.natural_key),
            "columns": [excel.header_for(config.model, n) for n in import_field_names(config, self.request.user)],
            "recent_jobs": recent,
            "sync_max_rows": services.sync_limit(),
            "error": error,
        }

    def get(self, request, *args, **kwargs):
        return self.render(self.context())

    def post(self, request, *args, **kwargs):
        try:
            job = services.import_upload(actor=request.user, config=self.config, file=request.FILES.get("file"))
        except ServiceError as exc:
            response = self.render(self.context(error=str(exc.message)))
            response.status_code = exc.status
            return response
        return redirect("core_importjob_status", pk=job.pk)


class ImportTemplateView(ConfigView):
    action = "import"

    def get(self, request, *args, **kwargs):
        wb = writing.template_workbook(self.config, self.request.user)
        return excel.workbook_response(wb, f"{self.config.model_name}-import-template.xlsx")


def urlpatterns_for(config):
    p = f"{config.url_prefix}/import"
    return [
        path(f"{p}/", ImportView.as_view(config=config), name=config.url_name("import")),
        path(f"{p}/template/", ImportTemplateView.as_view(config=config), name=config.url_name("import_template")),
    ]


def _job_for_page(request, pk):
    try:
        job = services.import_job_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return job, services.config_of(job)


def status_context(job, config, user):
    errors = job.errors or []
    names = [n for n in import_field_names(config, user) if any(n in r.get("values", {}) for r in job.preview)]
    finished = job.status not in (ImportJob.Status.VALIDATING, ImportJob.Status.RUNNING)
    return {
        "job": job,
        "config": config,
        "polling": not finished,
        "processed_rows": progress.processed_rows(job),
        "percent": progress.percent(job),
        "errors": errors[:ERRORS_ON_PAGE],
        "errors_hidden": max(0, len(errors) - ERRORS_ON_PAGE),
        "preview_headers": [excel.header_for(config.model, n) for n in names],
        "preview_rows": [
            {"row": r["row"], "action": r.get("action"), "ok": r.get("ok", True),
             "cells": [r.get("values", {}).get(n, "") for n in names]}
            for r in job.preview
        ],
        "can_confirm": job.status == ImportJob.Status.PREVIEW and user.has_perm(config.perm("import")),
        "status_url": reverse("core_importjob_status", args=[job.pk]),
        "confirm_url": reverse("core_importjob_confirm", args=[job.pk]),
        "errors_url": reverse("core_importjob_errors", args=[job.pk]),
        "import_url": config.url("import"),
        "list_url": config.url("list"),
    }


@login_required
def import_status(request, pk):
    """The job's page; an htmx request gets the progress partial (which polls itself every
    second while the job runs and stops once it has finished)."""
    job, config = _job_for_page(request, pk)
    context = status_context(job, config, request.user)
    if request.htmx:
        return TemplateResponse(request, "core/import_progress.html", context)
    from ..registry import registry

    crumbs = [(registry.sections[config.menu].label, None)] if config.menu in registry.sections else []
    crumbs += [(config.title, config.url("list")), (_("Import"), config.url("import")),
               (job.original_name, None)]
    context.update(breadcrumbs=crumbs, page_title=_("Import: %(name)s") % {"name": job.original_name})
    return TemplateResponse(request, "core/import_status.html", context)


@login_required
@require_POST
def import_confirm_view(request, pk):
    job, config = _job_for_page(request, pk)
    if not request.user.has_perm(config.perm("import")):
        raise DjangoPermissionDenied
    try:
        job = services.import_confirm(actor=request.user, job=job)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("core_importjob_status", pk=pk)
    if job.status == ImportJob.Status.DONE:
        messages.success(request, _("Import finished: %(created)s created, %(updated)s updated.") % {
            "created": job.created_count, "updated": job.updated_count})
    elif job.status == ImportJob.Status.FAILED:
        messages.error(request, _("The import failed and nothing was written: %(message)s") % {"message": job.message})
    return redirect("core_importjob_status", pk=pk)


@login_required
def import_errors_download(request, pk):
    job, _config = _job_for_page(request, pk)
    return excel.workbook_response(writing.errors_workbook(job), f"import-{job.pk}-errors.xlsx")


# -- API ---------------------------------------------------------------------------------------------


STATUS_HELP = "validating → preview (valid, waiting for confirmation) | invalid (see errors); running → done | failed"


class ImportJobSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model_label", read_only=True)
    # A documented string, not an enum: a second "status" enum would rename every other one.
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    processed_rows = serializers.SerializerMethodField()
    errors = serializers.JSONField(read_only=True, help_text="[{row, field, message}]")
    preview = serializers.JSONField(read_only=True, help_text="[{row, action, ok, values: {field: text}}]")

    class Meta:
        model = ImportJob
        fields = ["id", "model", "original_name", "status", "status_display", "total_rows", "processed_rows",
                  "created_count", "updated_count", "errors", "preview", "message", "created_at", "updated_at"]
        read_only_fields = fields

    def get_processed_rows(self, obj) -> int:
        return progress.processed_rows(obj)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The preview leaves out the values of fields the requesting user may not see.
        user = getattr(self.context.get("request"), "user", None)
        hidden = visibility.hidden_fields(apps.get_model(instance.model_label), user) if user else set()
        if hidden and data.get("preview"):
            data["preview"] = [{**row, "values": {k: v for k, v in row.get("values", {}).items() if k not in hidden}}
                               for row in data["preview"]]
        return data


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An .xlsx workbook laid out like the import template.")


class BulkRequestSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=False,
                                 help_text="Records as {field: value}; related records by their key or id.")
    dry_run = serializers.BooleanField(default=False, help_text="Only check; write nothing.")


class BulkResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    status = serializers.CharField(help_text="preview (dry run) or done")
    total_rows = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    errors = serializers.JSONField()
    preview = serializers.JSONField()


class ImportAPIBase(APIView):
    config = None
    permission_classes = [permissions.IsAuthenticated]

    def job_for(self, request, pk):
        return services.import_job_get(user=request.user, pk=pk)


class ImportUploadAPI(ImportAPIBase):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer},
        parameters=[OpenApiParameter("confirm", OpenApiTypes.BOOL, description="Apply at once when every row is valid.")],
        description="Upload an Excel file: validated into an import job (nothing written until confirmed).",
    )
    @idempotent
    def post(self, request):
        services.require_import(request.user, self.config)
        confirm = str(request.query_params.get("confirm", "")).lower() in ("1", "true", "yes")
        job = services.import_upload(actor=request.user, config=self.config, file=request.FILES.get("file"),
                                    confirm=confirm)
        return Response(ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_201_CREATED)


class BulkUpsertAPI(ImportAPIBase):
    @extend_schema(
        request=BulkRequestSerializer, responses={200: BulkResultSerializer},
        description="Create or update many records by their key, all or none (same checks as the Excel import).",
    )
    @idempotent
    def post(self, request):
        services.require_import(request.user, self.config)
        payload = BulkRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.import_bulk(actor=request.user, config=self.config, rows=request.data.get("rows"),
                                     dry_run=payload.validated_data["dry_run"])
        return Response(result)


class ImportJobAPI(ImportAPIBase):
    @extend_schema(responses={200: ImportJobSerializer}, description="An import job: status, progress, errors.")
    def get(self, request, pk):
        return Response(ImportJobSerializer(self.job_for(request, pk), context={"request": request}).data)


class ImportConfirmAPI(ImportAPIBase):
    @extend_schema(request=None, responses={200: ImportJobSerializer},
                   description="Apply a validated import (all rows in one transaction, or none).",
                   extensions={"x-error-codes": error_codes(ImportJob.Refusals.NOT_READY)})
    def post(self, request, pk):
        job = services.import_confirm(actor=request.user, job=self.job_for(request, pk))
        return Response(ImportJobSerializer(job, context={"request": request}).data)


def api_urlpatterns():
    from ..registry import registry

    patterns = [
        path("imports/<int:pk>/", ImportJobAPI.as_view(), name="api-import-detail"),
        path("imports/<int:pk>/confirm/", ImportConfirmAPI.as_view(), name="api-import-confirm"),
    ]
    for config in registry:
        if config.importable and config.api:
            p, base = config.url_prefix, f"api-{config.app_label}-{config.model_name}"
            patterns += [
                path(f"{p}/import/", ImportUploadAPI.as_view(config=config), name=f"{base}-import"),
                path(f"{p}/bulk/", BulkUpsertAPI.as_view(config=config), name=f"{base}-bulk"),
            ]
    return patterns
