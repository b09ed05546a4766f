"""API classes named in settings (kept apart from api.py so that DRF's settings can import them
while the registry is being loaded)."""

from rest_framework import pagination, parsers, permissions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import ParseError


class BearerOrTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` or `Authorization: Bearer <key>`."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if auth and auth[0].lower() == b"bearer":
            self.keyword = "Bearer"
        else:
            self.keyword = "Token"
        result = super().authenticate(request)
        if result is not None and not _ip_allowed(request, result[0]):
            from django.utils.translation import gettext as _
            from rest_framework.exceptions import AuthenticationFailed

            raise AuthenticationFailed(_("You may not use the system from this IP address."))
        return result


BearerOrTokenAuthentication.authenticate_header = lambda self, request: 'Bearer realm="api"'


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing too deeply nested documents (e.g. 10 KB of `[`) with a 400
    `parse_error` instead of letting Python's recursion limit end the request with a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            from django.utils.translation import gettext as _

            raise ParseError(_("JSON parse error: the document is nested too deeply.")) from None


class ModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions, including `view` for reads (Django's default lets any user read)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if getattr(view, "permission_action", None):
            if not request.user or not request.user.is_authenticated:
                return False
            config = view.config
            return request.user.has_perm(config.perm(view.permission_action))
        if not hasattr(view, "get_queryset") and getattr(view, "queryset", None) is None:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


class Pagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 500




def _ip_allowed(request, user):
    from .registry import registry

    return registry.port("ip_allowed")(user, request.META.get("REMOTE_ADDR"))
