from django.urls import path

from . import api, auth_views

urlpatterns = [
    path("auth/token/", auth_views.ObtainTokenView.as_view(), name="api-token"),
    path("auth/captcha/", auth_views.CaptchaView.as_view(), name="api-captcha"),
    path("auth/logout/", auth_views.LogoutTokenView.as_view(), name="api-logout"),
    path("auth/sign-out-everywhere/", auth_views.SignOutEverywhereView.as_view(), name="api-sign-out-everywhere"),
    path("org/user/<int:pk>/sign-out-everywhere/", auth_views.SignOutEverywhereView.as_view(),
         name="api-user-sign-out-everywhere"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("org/region/suggest/", api.RegionSuggestView.as_view(), name="api-region-suggest"),
    path("org/user/<int:pk>/set-password/", api.SetPasswordView.as_view(), name="api-user-set-password"),
]
