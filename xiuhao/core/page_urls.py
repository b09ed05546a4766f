"""Pages of the import jobs and attachments (the per-model import pages come from the registry,
see imports.views.urlpatterns_for)."""

from django.urls import path

from . import attachments_views, maps
from .imports import views as imports_views

urlpatterns = [
    path("imports/<int:pk>/", imports_views.import_status, name="core_importjob_status"),
    path("imports/<int:pk>/confirm/", imports_views.import_confirm_view, name="core_importjob_confirm"),
    path("imports/<int:pk>/errors.xlsx", imports_views.import_errors_download, name="core_importjob_errors"),
    path("attachments/<int:pk>/", attachments_views.attachment_download, name="core_attachment_download"),
    path("attachments/<int:pk>/delete/", attachments_views.attachment_delete, name="core_attachment_delete"),
    path("attachments/for/<str:model>/<str:object_id>/", attachments_views.attachment_tab,
         name="core_attachment_tab"),
]
# Maps of registered models with coordinates (core/maps.py): map_<key> names and the endpoints.
urlpatterns += [*maps.named_urls(), *maps.urlpatterns]
