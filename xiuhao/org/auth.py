"""Permissions come from the user's active roles (menu and operation permissions)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(roles__users=user_obj, roles__status="active")
