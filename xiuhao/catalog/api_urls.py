from django.urls import path

from . import api

urlpatterns = [
    path("catalog/productmodel/<int:pk>/bom/", api.BomAPI.as_view(), name="api-catalog-productmodel-bom"),
    path("catalog/productcategory/<int:pk>/fault-codes/", api.FaultCodesAPI.as_view(),
         name="api-catalog-productcategory-fault-codes"),
    path("catalog/feestandard/<int:pk>/quote/", api.FeeQuoteAPI.as_view(), name="api-catalog-feestandard-quote"),
]
