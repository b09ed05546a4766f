from django.urls import path

from . import api

urlpatterns = [
    path("assets/lookup/", api.LookupAPI.as_view(), name="api-assets-lookup"),
]
