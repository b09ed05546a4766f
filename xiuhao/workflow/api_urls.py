"""API endpoints of the processes beyond the registry's (included before the router)."""

from django.urls import path

from . import api

urlpatterns = [
    path("workflow/processinstance/start/", api.ProcessStartView.as_view(), name="api-process-start"),
    path("workflow/processinstance/<int:pk>/diagram/", api.InstanceDiagramView.as_view(), name="api-process-diagram"),
    path("workflow/processdefinition/upload/", api.DefinitionUploadView.as_view(), name="api-process-upload"),
]
