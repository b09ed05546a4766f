from django.urls import path

from . import api, auth_views

urlpatterns = [
    path("auth/token/", auth_views.ObtainTokenView.as_view(), name="api-token"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("org/region/suggest/", api.RegionSuggestView.as_view(), name="api-region-suggest"),
    path("org/user/<int:pk>/set-password/", api.SetPasswordView.as_view(), name="api-user-set-password"),
]
