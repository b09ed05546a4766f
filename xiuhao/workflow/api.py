"""API of the processes beyond the registry's read endpoints: start an instance, upload a
definition (multipart), an instance's diagram with step states and history. Cancel and retry are
declared moves (models.ProcessInstance.moves): their endpoints come from the registry."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from xiuhao.core.api import idempotent
from xiuhao.core.errors import NotFound, PermissionDenied, ValidationFailed
from xiuhao.core.registry import registry

from . import services, views
from .models import ProcessInstance

InstanceSerializer = registry.configs["workflow.processinstance"].serializer
DefinitionSerializer = registry.configs["workflow.processdefinition"].serializer


class StartSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=100, help_text="The process key (BPMN process id), e.g. announcement_approval")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    variables = serializers.DictField(required=False, help_text="The process variables (a JSON object)")
    subject_type = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                         help_text="What the process is about: app_label.model, e.g. tasks.announcement")
    subject_id = serializers.CharField(max_length=64, required=False, allow_blank=True)


def _subject(user, data):
    label, pk = (data.get("subject_type") or "").strip().lower(), (data.get("subject_id") or "").strip()
    if not label and not pk:
        return None
    app_label, _dot, model = label.partition(".")
    config = registry.configs.get(label)
    content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
    if config is None or content_type is None or not pk:
        raise ValidationFailed(fields={"subject_type": [_("Give a record type (app.model) and the record's id.")]})
    try:
        subject = config.queryset(user, "view").filter(pk=pk).first()
    except (ValueError, TypeError, DjangoValidationError):
        subject = None
    if subject is None:
        raise NotFound()
    return subject


class ProcessStartView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=StartSerializer, responses={201: InstanceSerializer},
                   summary="Start the current version of a process")
    @idempotent
    def post(self, request):
        if not request.user.has_perm("workflow.add_processinstance"):
            raise PermissionDenied()
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        instance = services.process_start(actor=request.user, key=data["key"], subject=_subject(request.user, data),
                                          variables=data.get("variables") or {}, title=data.get("title", ""))
        instance = ProcessInstance.objects.select_related("definition", "created_by", "branch").get(pk=instance.pk)
        return Response(InstanceSerializer(instance, context={"request": request}).data, status=201)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A BPMN 2.0 file (.bpmn) holding one process")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class DefinitionUploadView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: DefinitionSerializer},
                   summary="Upload a new version of a process definition")
    def post(self, request):
        if not request.user.has_perm("workflow.add_processdefinition"):
            raise PermissionDenied()
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        definition = services.definition_upload(actor=request.user, data=upload.read(),
                                                note=body.validated_data.get("note", ""), filename=upload.name)
        return Response(DefinitionSerializer(definition, context={"request": request}).data, status=201)


class HistoryRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    who = serializers.CharField()
    step = serializers.CharField(allow_blank=True)
    what = serializers.CharField()
    to = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)


class DiagramSerializer(serializers.Serializer):
    xml = serializers.CharField(help_text="The BPMN 2.0 XML of the instance's definition version")
    states = serializers.DictField(child=serializers.ChoiceField(choices=["done", "current", "error"]),
                                   help_text="BPMN element id → done | current | error")
    variables = serializers.DictField(help_text="The process variables")
    history = HistoryRowSerializer(many=True, help_text="Who did what when")


class InstanceDiagramView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=DiagramSerializer, summary="An instance's diagram, step states and history")
    def get(self, request, pk):
        instance = get_object_or_404(ProcessInstance.objects.restrict(request.user, "view"), pk=pk)
        view = services.instance_view(instance)
        history = [{**row, "who": str(row["who"]), "to": str(row["to"] or ""), "what": str(row["what"]),
                    "note": row["note"] or ""} for row in views.history(instance)]
        return Response(DiagramSerializer({**view, "history": history}).data)
