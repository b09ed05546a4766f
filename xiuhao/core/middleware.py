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
