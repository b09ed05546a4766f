"""URLs derived from the registry: pages under /<app>/<model>/, API under /api/v1/<app>/<model>/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views
from .api import build_viewset
from .registry import registry


def _view(cls, config):
    return cls.as_view(config=config)


def page_urlpatterns():
    patterns = []
    for config in registry:
        if not config.pages:
            continue
        p = config.url_prefix
        patterns += [
            path(f"{p}/", _view(views.ObjectListView, config), name=config.url_name("list")),
            path(f"{p}/export/", _view(views.ObjectExportView, config), name=config.url_name("export")),
            path(f"{p}/<int:pk>/", _view(views.ObjectDetailView, config), name=config.url_name("detail")),
        ]
        if config.form_fields:
            patterns += [
                path(f"{p}/add/", _view(views.ObjectEditView, config), name=config.url_name("add")),
                path(f"{p}/<int:pk>/edit/", _view(views.ObjectEditView, config), name=config.url_name("edit")),
            ]
        if config.deletable and config.form_fields:
            patterns.append(
                path(f"{p}/<int:pk>/delete/", _view(views.ObjectDeleteView, config), name=config.url_name("delete"))
            )
        if config.importable:
            from .imports import views as imports_views

            patterns += imports_views.urlpatterns_for(config)
        for move in config.page_moves():
            patterns.append(path(f"{p}/<int:pk>/{move.name}/", views.move_view(config, move),
                                 name=config.url_name(move.name)))
        for action in config.actions:
            patterns.append(
                path(f"{p}/<int:pk>/{action.key}/", views.action_view(config, action), name=config.url_name(action.key))
            )
        patterns += config.extra_urls()
    return patterns


def api_router():
    router = DefaultRouter()
    for config in registry:
        if config.api:
            router.register(config.url_prefix, build_viewset(config), basename=f"{config.app_label}-{config.model_name}")
    return router
