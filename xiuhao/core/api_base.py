"""API classes named in settings (kept apart from api.py so that DRF's settings can import them
while the registry is being loaded)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, pagination, parsers, permissions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication, get_authorization_header


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = gettext_lazy("The request is too large.")
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (413) and JSON nested
    beyond Python's recursion limit (400 malformed_request) instead of failing with a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge()
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(gettext_lazy("JSON parse error - the JSON is nested too deeply.")) from None


class SessionAuthenticationWithChallenge(SessionAuthentication):
    """Session authentication that still answers 401 + WWW-Authenticate (not 403) when no
    credentials at all were sent, as the API documentation says."""

    def authenticate_header(self, request):
        return 'Token realm="api"'


def _register_schema_extension():
    from drf_spectacular.authentication import SessionScheme

    class SessionChallengeScheme(SessionScheme):
        target_class = "xiuhao.core.api_base.SessionAuthenticationWithChallenge"
        name = "cookieAuth"

    return SessionChallengeScheme


_register_schema_extension()


class BearerOrTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` or `Authorization: Bearer <key>`."""

    def authenticate_header(self, request):
        return 'Token realm="api"'

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if auth and auth[0].lower() == b"bearer":
            self.keyword = "Bearer"
        else:
            self.keyword = "Token"
        result = super().authenticate(request)
        if result is not None and _expired(result[1]):
            result[1].delete()
            from django.utils.translation import gettext as _

            raise exceptions.AuthenticationFailed(_("The token has expired. Please request a new one."))
        if result is not None and not _ip_allowed(request, result[0]):
            from django.utils.translation import gettext as _
            raise exceptions.AuthenticationFailed(_("You may not use the system from this IP address."))
        return result


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
    """`page_size` (alias `per_page`) from 1 to 500; a bad value is a 400, never a 500."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        for name in (self.page_size_query_param, "per_page"):
            if name in request.query_params:
                raw = request.query_params[name]
                try:
                    size = int(raw)
                except (TypeError, ValueError):
                    size = 0
                if not 1 <= size <= self.max_page_size:
                    raise exceptions.ValidationError(
                        {name: [gettext_lazy("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}]})
                return size
        return self.page_size




def token_expired(token) -> bool:
    hours = getattr(settings, "API_TOKEN_TTL_HOURS", 0)
    return bool(hours) and token.created < timezone.now() - timedelta(hours=hours)


_expired = token_expired


def _ip_allowed(request, user):
    from .registry import registry

    return registry.port("ip_allowed")(user, request.META.get("REMOTE_ADDR"))
