"""Included by the root URLconf as path("regions/", include("xiuhao.org.regions_urls"))."""

from django.urls import path

from xiuhao.org import regions_views

urlpatterns = [
    path("children/", regions_views.region_children, name="region-children"),
    path("suggest/", regions_views.region_suggest, name="region-suggest"),
]
