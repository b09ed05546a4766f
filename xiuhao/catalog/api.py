"""Catalogue API beyond the registry's CRUD: a product model's BOM tree, a category's fault codes
(inherited ones included) and the fee quote (试算) of a fee standard. Same permissions and data
scope as the pages: the model's view permission, records from `visible_to`."""

from decimal import ROUND_HALF_UP, Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from xiuhao.core.visibility import may_see

from . import selectors, services
from .models import FaultCode, FeeStandard, Part, ProductCategory, ProductModel


class _ViewPermission(APIView):
    permission_classes = [permissions.IsAuthenticated]
    model = None

    def get_object(self, request, pk):
        opts = self.model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            raise exceptions.PermissionDenied()
        return get_object_or_404(self.model.objects.visible_to(request.user), pk=pk)


class BomLineOut(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    part = serializers.IntegerField(source="part_id")
    part_code = serializers.CharField(source="part.code")
    part_name = serializers.CharField(source="part.name")
    position = serializers.CharField()
    depth = serializers.IntegerField(help_text="0 = top level")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, help_text="per one parent")
    extended_quantity = serializers.DecimalField(max_digits=24, decimal_places=9, help_text="per one product")
    extended_cost = serializers.DecimalField(max_digits=30, decimal_places=2)
    rollup_cost = serializers.DecimalField(max_digits=30, decimal_places=2)


class BomAPI(_ViewPermission):
    model = ProductModel

    @extend_schema(
        responses={200: inline_serializer("ProductModelBom", {
            "product_model": serializers.IntegerField(), "total_cost": serializers.DecimalField(max_digits=30, decimal_places=2),
            "lines": BomLineOut(many=True)})},
        description="The product model's multi-level BOM, parents before children, with extended quantities "
                    "and the cost roll-up. The costs (total_cost, extended_cost, rollup_cost) are present only "
                    "for users holding the permission catalog.view_cost_part.",
    )
    def get(self, request, pk):
        product = self.get_object(request, pk)
        if not request.user.has_perm("catalog.view_bomline"):
            raise exceptions.PermissionDenied()
        lines = selectors.bom_lines(product)
        rows = BomLineOut(lines, many=True).data
        if not may_see(request.user, Part, "cost"):
            for row in rows:
                del row["extended_cost"], row["rollup_cost"]
            return Response({"product_model": product.pk, "lines": rows})
        total = selectors.bom_total_cost(lines).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return Response({"product_model": product.pk, "total_cost": str(total), "lines": rows})


class FaultCodeOut(serializers.ModelSerializer):
    class Meta:
        model = FaultCode
        fields = ["id", "category", "kind", "code", "name", "description"]


class FaultCodesAPI(_ViewPermission):
    model = ProductCategory

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=[k for k, _label in FaultCode.Kind.choices],
                                     description="symptom / cause / action; all kinds when left out")],
        responses={200: FaultCodeOut(many=True)},
        description="Active fault codes valid for the category: its own and its ancestors'.",
    )
    def get(self, request, pk):
        category = self.get_object(request, pk)
        if not request.user.has_perm("catalog.view_faultcode"):
            raise exceptions.PermissionDenied()
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in FaultCode.Kind.values:
            raise exceptions.ValidationError({"kind": [f"{'/'.join(FaultCode.Kind.values)}"]})
        return Response(FaultCodeOut(selectors.fault_codes(category, kind), many=True).data)


class QuoteIn(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    km = serializers.DecimalField(max_digits=8, decimal_places=1, min_value=0)
    parts_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=0)
    visits = serializers.IntegerField(min_value=1, max_value=100, required=False, default=1)
    # A documented string, not an enum (a second "tier" enum would rename the customers' one).
    tier = serializers.RegexField(r"^(standard|silver|gold)$", required=False, default="standard",
                                  help_text="customer tier: standard, silver or gold")


class QuoteLineOut(serializers.Serializer):
    key = serializers.CharField(help_text="door / labour / mileage / custom")
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    detail = serializers.CharField()


class QuoteOut(serializers.Serializer):
    fee_standard = serializers.IntegerField(source="standard.pk")
    lines = QuoteLineOut(many=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)


class FeeQuoteAPI(_ViewPermission):
    model = FeeStandard

    @extend_schema(request=QuoteIn, responses={200: QuoteOut},
                   description="Trial calculation 试算: the fee lines (door, labour, mileage, custom formula) and "
                               "the total under this fee standard. Writes nothing.")
    def post(self, request, pk):
        standard = self.get_object(request, pk)
        payload = QuoteIn(data=request.data)
        payload.is_valid(raise_exception=True)
        quote = services.fee_quote(standard, **payload.validated_data)
        return Response(QuoteOut(quote).data)
