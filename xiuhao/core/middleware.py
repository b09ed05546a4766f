import ipaddress

from django.conf import settings

from . import context


def client_ip(request) -> str:
    """The client's address, trusting X-Forwarded-For only through TRUSTED_PROXY_COUNT proxies.

    With N trusted proxies the N-th address from the right of X-Forwarded-For is the one the
    outermost trusted proxy saw; anything further left is client-supplied and ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


class ClientIPMiddleware:
    """Resolve the client IP once; everything downstream (axes, rate limits, audit) reads
    REMOTE_ADDR."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ip = client_ip(request)
        request.META["XIUHAO_ORIGINAL_REMOTE_ADDR"] = request.META.get("REMOTE_ADDR", "")
        request.META["REMOTE_ADDR"] = ip
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or context.new_request_id()
        request.request_id = rid
        ctx = context.RequestContext(
            ip=request.META.get("REMOTE_ADDR") or None,
            request_id=rid,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        )
        with context.bound(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


class ApiErrorBodyMiddleware:
    """Every answer of the API is JSON, errors included, in the documented body
    {"error": {"code", "message"}} — also those Django produces before or outside DRF's views: an
    over-large body (413 `request_too_large`, refused before anything reads it), a malformed
    request (400), an unknown URL (404), a CSRF failure (403), a server error (500)."""

    CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
             405: "method_not_allowed", 413: "request_too_large", 429: "throttled", 500: "server_error"}

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _message(status):
        from django.utils.translation import gettext as _

        return {
            400: _("The request is malformed."),
            401: _("Authentication credentials were not provided."),
            403: _("You do not have permission to do this."),
            404: _("The record does not exist or you may not see it."),
            405: _("This method is not allowed here."),
            413: _("The request body is too large."),
            429: _("Too many requests. Please wait a moment."),
        }.get(status, _("The server could not answer the request. It has been logged; please try again later."))

    def _error(self, status):
        from django.http import JsonResponse

        code = self.CODES.get(status, "server_error" if status >= 500 else "bad_request")
        return JsonResponse({"error": {"code": code, "message": self._message(status)}}, status=status,
                            json_dumps_params={"ensure_ascii": False})

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._error(400)
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit and not multipart:
            return self._error(413)
        response = self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            error = self._error(response.status_code)
            for header in ("Retry-After", "WWW-Authenticate", "Allow", "X-Request-ID"):
                if header in response:
                    error[header] = response[header]
            return error
        return response


class ClientErrorLogFilter:
    """Logging filter for `django.request`/`django.security`: a 4xx answer (permission denied, not
    found, bad request) is the client's business — one warning line, no traceback. 5xx records
    keep their traceback."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > 30:
                record.levelno, record.levelname = 30, "WARNING"
        return True
