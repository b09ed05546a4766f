"""API endpoints of imports and attachments. Included before the router, so that
<app>/<model>/import/ and …/bulk/ are not taken for a record id."""

from django.urls import path

from . import attachments_views
from .imports import views as imports_views

urlpatterns = [
    *imports_views.api_urlpatterns(),
    path("attachments/", attachments_views.AttachmentListAPI.as_view(), name="api-attachment-list"),
    path("attachments/<int:pk>/", attachments_views.AttachmentDetailAPI.as_view(), name="api-attachment-detail"),
    path("attachments/<int:pk>/download/", attachments_views.AttachmentDownloadAPI.as_view(),
         name="api-attachment-download"),
]
