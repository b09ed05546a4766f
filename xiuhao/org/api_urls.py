from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("org/region/suggest/", api.RegionSuggestView.as_view(), name="api-region-suggest"),
    path("org/user/<int:pk>/set-password/", api.SetPasswordView.as_view(), name="api-user-set-password"),
]
