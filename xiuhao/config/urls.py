"""The URL root: the shell's own pages and API, then every app's `urls` (pages) and `api_urls`
(API, under /api/v1/) in the order of INSTALLED_APPS — an app adds itself by having the module,
never by editing this file — then the pages and API the registry derives from the model configs."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language is chosen by cookie, not URL)
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from xiuhao.core import pages
from xiuhao.core.contributions import url_modules
from xiuhao.core.health import healthz
from xiuhao.core.urls import api_router, page_urlpatterns

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    *(path("", include(module)) for module in url_modules("api_urls")),
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
    path("", include("xiuhao.core.page_urls")),
    *(path("", include(module)) for module in url_modules("urls") if module != "xiuhao.core.urls"),
    path("captcha/", include("captcha.urls")),
    path("api/v1/", include(api_patterns)),
    *page_urlpatterns(),
]

if settings.DEBUG:
    from django.contrib import admin

    urlpatterns.append(path("django-admin/", admin.site.urls))

# Error pages in the layout and the user's language (the API's error body under /api/).
handler400 = "xiuhao.core.error_views.bad_request"
handler403 = "xiuhao.core.error_views.permission_denied"
handler404 = "xiuhao.core.error_views.page_not_found"
handler500 = "xiuhao.core.error_views.server_error"
