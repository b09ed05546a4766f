from django.urls import include, path

from . import auth_views

urlpatterns = [
    path("login/", auth_views.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/otp/", auth_views.otp_verify, name="otp-verify"),
    path("profile/otp/setup/", auth_views.otp_setup, name="otp-setup"),
    path("profile/", auth_views.profile, name="profile"),
    path("regions/", include("xiuhao.org.regions_urls")),
]
