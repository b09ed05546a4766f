"""API endpoints of the SLA beyond the registry's CRUD (included before the router)."""

from django.urls import path

from . import api

urlpatterns = [
    path("sla/slaclock/<int:pk>/remaining/", api.ClockRemainingView.as_view(), name="api-sla-clock-remaining"),
    path("sla/businesscalendar/<int:pk>/due/", api.CalendarDueView.as_view(), name="api-sla-calendar-due"),
    path("sla/targets/", api.TargetsView.as_view(), name="api-sla-targets"),
]
