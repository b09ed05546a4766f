"""Production settings: `DJANGO_SETTINGS_MODULE=xiuhao.config.production`.

Everything in `settings.py` still applies (and is still read from the environment); this module
only hardens it, so that `manage.py check --deploy` reports no issues. It refuses to start
without a real SECRET_KEY and an explicit ALLOWED_HOSTS. See docs/security.md and
docs/deployment.md.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F401,F403
from .settings import TRUSTED_PROXY_COUNT, env

# --- never debug --------------------------------------------------------------------------------
# Forced, whatever DEBUG says in the environment: a debug page leaks settings and source.
DEBUG = False

# --- secret key ---------------------------------------------------------------------------------
SECRET_KEY = os.environ.get("SECRET_KEY", "")
_DEV_DEFAULT = "dev-only-insecure-key-change-me-in-production-0123456789"
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")
if SECRET_KEY == _DEV_DEFAULT or SECRET_KEY.startswith(("dev-only-", "django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is the development default; generate a new one for production.")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
# Old keys, comma separated, while rotating (sessions and signed links made with them stay valid).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# Never accept "PASSED" as a captcha answer (django-simple-captcha reads this at import).
CAPTCHA_TEST_MODE = False

# --- static files ---------------------------------------------------------------------------------
# Hashed names, .br/.gz copies made by collectstatic, cached a year (immutable): see settings.py.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=True)
if STATIC_MANIFEST:
    STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
    WHITENOISE_USE_FINDERS = False

# --- hosts ----------------------------------------------------------------------------------------
# No default: the development default (localhost, testserver) must not leak into production.
if not os.environ.get("ALLOWED_HOSTS", "").strip():
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment for production (e.g. example.com).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Default: https:// on every allowed host (".example.com" → "https://*.example.com").
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=[f"https://*{h}" if h.startswith(".") else f"https://{h}"
                                     for h in ALLOWED_HOSTS if h != "*"]
)

# --- HTTPS ------------------------------------------------------------------------------------------
# Behind nginx (or another proxy) that terminates TLS, Django sees plain HTTP; the proxy says
# which scheme the browser used in X-Forwarded-Proto. Trust that header only when a proxy is
# configured (the proxy must overwrite, not append to, the header) — on by default when
# TRUSTED_PROXY_COUNT > 0.
if env.bool("USE_X_FORWARDED_PROTO", default=TRUSTED_PROXY_COUNT > 0):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Local health probes (curl http://127.0.0.1:8001/healthz) need no TLS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- cookies ----------------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# "__Host-" cookies are only accepted over HTTPS, for this exact host, path "/": a sibling
# sub-domain cannot plant or overwrite them. (htmx reads the CSRF token from a <meta> tag.)
SESSION_COOKIE_NAME = "__Host-xiuhao_session"
CSRF_COOKIE_NAME = "__Host-xiuhao_csrf"

# --- headers ------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
