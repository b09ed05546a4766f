"""API endpoints of the contracts beyond the registry's CRUD (included before the router)."""

from django.urls import path

from . import api

urlpatterns = [
    path("contracts/paymentplan/<int:pk>/record-payment/", api.RecordPaymentView.as_view(),
         name="api-paymentplan-record-payment"),
    path("contracts/coverage/", api.CoverageView.as_view(), name="api-contract-coverage"),
]
