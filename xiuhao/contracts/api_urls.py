"""API endpoints of the contracts beyond the registry's CRUD (included before the router)."""

from django.urls import path

from . import api

urlpatterns = [
    path("contracts/contract/<int:pk>/activate/", api.ContractActivateView.as_view(), name="api-contract-activate"),
    path("contracts/contract/<int:pk>/extend/", api.ContractExtendView.as_view(), name="api-contract-extend"),
    path("contracts/contract/<int:pk>/renew/", api.ContractRenewView.as_view(), name="api-contract-renew"),
    path("contracts/contract/<int:pk>/terminate/", api.ContractTerminateView.as_view(), name="api-contract-terminate"),
    path("contracts/paymentplan/<int:pk>/record-payment/", api.RecordPaymentView.as_view(),
         name="api-paymentplan-record-payment"),
    path("contracts/coverage/", api.CoverageView.as_view(), name="api-contract-coverage"),
]
