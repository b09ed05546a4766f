"""Error pages (400, 403, the CSRF failure, 404, 429, 500) in the app's layout and the user's
language, with a way back, and never a detail of what went wrong.

The 4xx pages use the back office's (or the phone's) layout; should that layout fail to render —
the database is down, a context processor raises — they fall back to the bare page that 500 uses.
500 never touches the database, the session or the context processors: a plain template rendered
with a plain context. Under /api/ the same handlers answer with the API's error body.
"""

import logging

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_ratelimit.exceptions import Ratelimited

from . import context as request_context

log = logging.getLogger(__name__)

PHONE_PREFIX = "/m/"


def _texts(status, *, csrf=False):
    """(title, explanation, API code) of an error status, in the active language."""
    if csrf:
        return (_("The form has expired"),
                _("For your security the form was not accepted: it may have been open for too long, or your "
                  "browser blocks cookies. Go back, reload the page and try again."),
                "csrf_failed")
    return {
        400: (_("Bad request"), _("The request could not be understood. Check the address or the form and try "
                                  "again."), "bad_request"),
        403: (_("Access denied"), _("You do not have permission to open this page. If you need it, ask your "
                                    "administrator for the permission."), "permission_denied"),
        404: (_("Page not found"), _("The page does not exist, or you may not see it."), "not_found"),
        429: (_("Too many requests"), _("Please wait a moment and try again."), "throttled"),
        500: (_("Server error"), _("Something went wrong on our side and the error was recorded. Please try "
                                   "again later."), "server_error"),
    }[status]


def _is_api(request):
    return request.path.startswith("/api/")


def _api_response(status, code, message):
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


def _home_url(request):
    return PHONE_PREFIX if request.path.startswith(PHONE_PREFIX) else "/"


def _back_url(request):
    """The page the user came from, when it is one of ours (never another site, never this page)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # a 400 for a disallowed host: no host to compare with
        return ""
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host},
                                                   require_https=request.is_secure()):
        if referer != request.build_absolute_uri() or request.method != "GET":  # a refused form: reload it
            return referer
    return ""


def _context(request, status, csrf=False):
    title, explanation, _code = _texts(status, csrf=csrf)
    return {
        "status": status,
        "title": title,
        "page_title": title,
        "explanation": explanation,
        "home_url": _home_url(request),
        "back_url": _back_url(request),
        "request_id": request_context.current().request_id,
        "signed_in": bool(getattr(getattr(request, "user", None), "is_authenticated", False)),
    }


def bare_page(request, status, csrf=False):
    """The error page without the layout: no database, no session, no context processor."""
    try:
        context = _context(request, status, csrf=csrf)
    except Exception:  # even the request may be unusable
        title, explanation, _code = _texts(status, csrf=csrf)
        context = {"status": status, "title": title, "explanation": explanation, "home_url": "/"}
    try:
        html = loader.get_template("errors/bare.html").render(context)  # no request: no context processors
    except Exception:
        log.exception("The bare error page failed to render")
        html = f"<!doctype html><title>{status}</title><h1>{status}</h1><p><a href=\"/\">/</a></p>"
    return HttpResponse(html, status=status)


def error_page(request, status, csrf=False):
    """The error page in the app's layout (the phone's under /m/); the bare page if that fails."""
    if _is_api(request):
        _title, explanation, code = _texts(status, csrf=csrf)
        return _api_response(status, code, explanation)
    try:
        context = _context(request, status, csrf=csrf)
        context["phone"] = request.path.startswith(PHONE_PREFIX)
        context["base_template"] = "mobile/base.html" if context["phone"] else "base.html"
        # htmx swaps a 400 into the part of the page it asked for: a message there, not a second layout
        template = "errors/fragment.html" if request.headers.get("HX-Request") else "errors/page.html"
        html = loader.render_to_string(template, context, request=request)
    except Exception:
        log.exception("The error page %s failed to render in the layout", status)
        return bare_page(request, status, csrf=csrf)
    return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    if _is_api(request):
        from .pages import bad_request as api_bad_request  # the API's body: malformed or too large

        return api_bad_request(request, exception)
    return error_page(request, 400)


def permission_denied(request, exception=None):
    if isinstance(exception, Ratelimited):  # a rate limit refuses with "too many requests", not "denied"
        return error_page(request, 429)
    return error_page(request, 403)


def page_not_found(request, exception=None):
    if _is_api(request):
        from .pages import not_found  # the API's 404 body

        return not_found(request, exception)
    return error_page(request, 404)


def too_many_requests(request, exception=None):
    return error_page(request, 429)


def server_error(request):
    if _is_api(request):
        _title, explanation, code = _texts(500)
        return _api_response(500, code, explanation)
    return bare_page(request, 500)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: the reason is not shown (Django's CSRF check logs it)."""
    return error_page(request, 403, csrf=True)
