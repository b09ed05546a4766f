"""API endpoints of the organisation beyond the registry's CRUD."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Region, User
from .regions import region_path, suggest_region


class MeSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()
    data_scopes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "kind", "branch", "department", "outlet", "permissions", "data_scopes"]

    def get_permissions(self, obj) -> list[str]:
        return sorted(obj.get_all_permissions())

    def get_data_scopes(self, obj) -> list[str]:
        return sorted({r.data_scope for r in obj.active_roles()})


class MeView(APIView):
    """The authenticated user, with permissions and data scopes."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class PasswordSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128)
    old_password = serializers.CharField(max_length=128, required=False)


class SetPasswordView(APIView):
    """Set a user's password: one's own with `old_password`, another's with the reset permission."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PasswordSerializer, responses=inline_serializer("PasswordChanged", {"ok": serializers.BooleanField()}))
    def post(self, request, pk):
        data = PasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # One's own password is always reachable; another's only inside one's data scope.
        user = request.user if pk == request.user.pk else get_object_or_404(User.objects.visible_to(request.user), pk=pk)
        services.user_set_password(actor=request.user, user=user, password=data.validated_data["password"],
                                   old_password=data.validated_data.get("old_password"))
        return Response({"ok": True})


class RegionSuggestSerializer(serializers.ModelSerializer):
    path = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "path"]

    def get_path(self, obj) -> list[str]:
        return [r.name for r in region_path(obj)]


class RegionSuggestView(APIView):
    """The most specific region named in a free-text address (`?address=`)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=RegionSuggestSerializer)
    def get(self, request):
        from django.utils.translation import gettext as _

        from xiuhao.core.errors import NotFound

        region = suggest_region((request.query_params.get("address") or "")[:255])
        if region is None:
            raise NotFound(_("No region matches this address."))
        return Response(RegionSuggestSerializer(region).data)
