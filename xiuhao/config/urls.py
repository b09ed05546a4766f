from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language is chosen by cookie, not URL)
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from xiuhao.core import pages
from xiuhao.core.health import healthz
from xiuhao.core.urls import api_router, page_urlpatterns
from xiuhao.org import auth_views

api_patterns = [
    path("auth/token/", auth_views.ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("xiuhao.core.api_urls")),
    path("", include("xiuhao.assets.api_urls")),
    path("", include("xiuhao.org.api_urls")),
    path("", include("xiuhao.contracts.api_urls")),
    path("", include("xiuhao.catalog.api_urls")),
    path("", include("xiuhao.sla.api_urls")),
    path("", include("xiuhao.tasks.api_urls")),
    path("", include("xiuhao.tasks.api_urls_messages")),
    path("", include("xiuhao.workflow.api_urls")),
    path("", include(api_router().urls)),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("search/", pages.search, name="search"),
    path("core/choices/<str:label>/", pages.choices, name="core-choices"),
    path("m/", pages.mobile_home, name="mobile-home"),
    path("m/me/", pages.mobile_me, name="mobile-me"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("xiuhao.org.urls")),
    path("", include("xiuhao.core.page_urls")),
    path("", include("xiuhao.tasks.urls")),
    path("", include("xiuhao.workflow.urls")),
    path("regions/", include("xiuhao.org.regions_urls")),
    path("captcha/", include("captcha.urls")),
    path("api/v1/", include(api_patterns)),
    *page_urlpatterns(),
]

if settings.DEBUG:
    from django.contrib import admin

    urlpatterns.append(path("django-admin/", admin.site.urls))

handler404 = "xiuhao.core.pages.not_found"
