"""The project's URLs plus views that fail on purpose, for the error page tests."""

from django.db import OperationalError
from django.urls import path
from django_ratelimit.exceptions import Ratelimited

from xiuhao.config import urls as project_urls


def boom(request):
    raise RuntimeError("secret detail: password=hunter2 at /srv/xiuhao/core/views.py")


def throttled(request):
    raise Ratelimited()


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused (db.internal:5432)")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("throttled/", throttled),
    path("m/boom-throttled/", throttled),
    path("database-down/", database_down),
    *project_urls.urlpatterns,
]

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
