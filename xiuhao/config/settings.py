"""Settings, read from the environment (django-environ).

Every knob an operator may turn is an environment variable with a safe default for the
one-command start (`make run`): SQLite in var/, huey on SQLite, local-memory cache.
Production turns them via the environment and `xiuhao.config.production`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tables2",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "axes",
    "captcha",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "xiuhao.core",
    "xiuhao.org",
    "xiuhao.customers",
    "xiuhao.catalog",
    "xiuhao.assets",
    "xiuhao.contracts",
    "xiuhao.workflow",
    "xiuhao.tasks",
    "xiuhao.integrations",
    "xiuhao.sla",
    "xiuhao.messages",
]

MIDDLEWARE = [
    "xiuhao.core.middleware.ClientIPMiddleware",
    "xiuhao.core.middleware.ApiErrorBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "xiuhao.core.middleware.RequestContextMiddleware",
    "xiuhao.org.security.SessionTimeoutMiddleware",
    "xiuhao.org.security.IPAllowListMiddleware",
    "xiuhao.org.security.TOTPEnforcementMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the lockout flag the authentication backend set.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xiuhao.config.urls"
WSGI_APPLICATION = "xiuhao.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xiuhao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "xiuhao.core.context_processors.shell",
                "xiuhao.tasks.context_processors.task_badge",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
# SQLite (WAL, IMMEDIATE transactions so that writers queue instead of failing with
# "database is locked" mid-transaction) unless DATABASE_URL names another database.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'xiuhao.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # Tests run on a file database in WAL mode like production (pytest-xdist adds a suffix per
    # worker), so that concurrent connections behave as they will when the app runs.
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default=str(VAR_DIR / "test.sqlite3"))}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and jobs ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env.str("HUEY_NAME", default="xiuhao"),
        "url": REDIS_URL,
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    # The database cache is shared by the web and job processes (rate limits, lockout
    # counters, captcha thresholds must be seen by every gunicorn worker).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "xiuhao_cache"}
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "xiuhao",
        "filename": env.str("HUEY_SQLITE", default=str(VAR_DIR / "huey.sqlite3")),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }

# --- auth and security ------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "xiuhao.org.auth.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "xiuhao.org.security.LettersAndDigitsValidator"},
]

# Client IP: REMOTE_ADDR, or — behind N trusted reverse proxies — the address the N-th proxy
# from the right saw in X-Forwarded-For. Never trust the header without a configured count.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "xiuhao.org.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "xiuhao.core.middleware.client_ip"
AXES_VERBOSE = False
CAPTCHA_AFTER_FAILURES = env.int("CAPTCHA_AFTER_FAILURES", default=2)
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)
CAPTCHA_FONT_SIZE = 28
CAPTCHA_LENGTH = 4

# API tokens expire this many hours after they were issued (0: never). docs/security.md
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=30 * 24)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; keep default
CSRF_FAILURE_VIEW = "xiuhao.core.error_views.csrf_failure"  # a refused form: the layout, a way back
LOGIN_RATE = env.str("LOGIN_RATE", default="20/m")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Xiuhao")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # Tabler, ECharts and Leaflet set style attributes at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"] + env.list("CSP_IMG_EXTRA", default=[]),
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "xiuhao" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "xiuhao_language"
# Dates as 2026-12-04 and 2026-12-04 14:30 in both languages (xiuhao/config/formats/).
FORMAT_MODULE_PATH = ["xiuhao.config.formats"]

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "xiuhao" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# STATIC_MANIFEST (on in production and `make run`, which run collectstatic): content-hashed file
# names, pre-compressed .br/.gz copies, cached for a year. Off by default so that development
# and tests need no collectstatic. docs/security.md
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": env.str("MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ATTACHMENT_MAX_BYTES = {
    "photo": env.int("ATTACHMENT_MAX_PHOTO", default=15 * 1024 * 1024),
    "video": env.int("ATTACHMENT_MAX_VIDEO", default=200 * 1024 * 1024),
    "document": env.int("ATTACHMENT_MAX_DOCUMENT", default=30 * 1024 * 1024),
    "signature": env.int("ATTACHMENT_MAX_SIGNATURE", default=2 * 1024 * 1024),
}
ATTACHMENT_IMAGE_MAX_SIDE = env.int("ATTACHMENT_IMAGE_MAX_SIDE", default=2560)
IMPORT_SYNC_MAX_ROWS = env.int("IMPORT_SYNC_MAX_ROWS", default=500)
# An upload is read whole into memory (calamine, ≈ 70 bytes per cell at peak): this bounds it.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# What bounds reading memory is the sheet's grid, not the file size (core/imports/reading.py
# check_bounds): rows × columns from A1 to the farthest cell (or the declared <dimension>),
# shared strings, and each zip member's packing ratio. See docs/security.md.
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=3_000_000)
IMPORT_MAX_STRINGS = env.int("IMPORT_MAX_STRINGS", default=3_000_000)
IMPORT_MAX_RATIO = env.int("IMPORT_MAX_RATIO", default=200)
# Maps (core/maps.py): Leaflet tiles in GCJ-02 like the stored coordinates; empty: plain background.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}")  # noqa: E501
MAP_TILE_SUBDOMAINS = env.str("MAP_TILE_SUBDOMAINS", default="1234")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© 高德地图 AutoNavi")
_MAP_TILE_SCHEME, _, _MAP_TILE_REST = MAP_TILE_URL.rpartition("://")
_MAP_TILE_HOST = _MAP_TILE_REST.split("/", 1)[0] if MAP_TILE_URL else ""
if _MAP_TILE_HOST:  # the tile host may serve images; "{s}" in its first label → "*.rest.of.host"
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_MAP_TILE_SCHEME or 'https'}://" + (
        "*." + _MAP_TILE_HOST.split(".", 1)[1] if "{s}" in _MAP_TILE_HOST else _MAP_TILE_HOST))
# Contracts: SLA hours by customer tier where no contract sets them; expiry alerts N days ahead.
SLA_DEFAULTS_BY_TIER = {"gold": {"response": 2, "onsite": 8, "repair": 24}, "silver": {"response": 4, "onsite": 24, "repair": 48}, "standard": {"response": 8, "onsite": 48, "repair": 72}}  # noqa: E501
CONTRACT_ALERT_DAYS = env.list("CONTRACT_ALERT_DAYS", cast=int, default=[60, 30, 7])
WARRANTY_ALERT_DAYS = env.list("WARRANTY_ALERT_DAYS", cast=int, default=[30, 7])  # days before a warranty ends
SLA_WORKBENCH_HOURS = env.int("SLA_WORKBENCH_HOURS", default=4)  # start page: SLA clocks due within this many hours
COMPANY_NAME = env.str("COMPANY_NAME", default="")  # printed on QR labels (empty: 修好 Xiuhao)

# --- e-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="xiuhao@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute address of the app, for links in e-mails and on QR labels.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Notifier adapters (xiuhao.core.notify): dotted paths of callables taking a Notice.
NOTIFIERS = env.list("NOTIFIERS", default=["xiuhao.core.notify.email_adapter",
                                           "xiuhao.messages.notify.inapp_adapter"])
# Outside channels (xiuhao.integrations.notify, docs/notifications.md): each is off until its
# adapter is in NOTIFIERS and its settings are set; an adapter missing settings logs "skipped".
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env.str("SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_TEMPLATE_CODE = env.str("SMS_ALIYUN_TEMPLATE_CODE", default="")
SMS_ALIYUN_TEMPLATE_PARAMS = env.dict("SMS_ALIYUN_TEMPLATE_PARAMS", default={"title": "subject"})  # variable=field
SMS_ALIYUN_REGION = env.str("SMS_ALIYUN_REGION", default="cn-hangzhou")
SMS_ALIYUN_ENDPOINT = env.str("SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_SIGN_NAME = env.str("SMS_TENCENT_SIGN_NAME", default="")
SMS_TENCENT_TEMPLATE_ID = env.str("SMS_TENCENT_TEMPLATE_ID", default="")
SMS_TENCENT_TEMPLATE_PARAMS = env.list("SMS_TENCENT_TEMPLATE_PARAMS", default=["subject"])  # fields in order
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env.str("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_PARAM_MAX_LENGTH = env.int("SMS_PARAM_MAX_LENGTH", default=35)  # template variables are cut to this
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
WECOM_SECRET = env.str("WECOM_SECRET", default="")
WECOM_API_BASE = env.str("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_API_BASE = env.str("DINGTALK_API_BASE", default="https://oapi.dingtalk.com")
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
WECHAT_TEMPLATE_ID = env.str("WECHAT_TEMPLATE_ID", default="")
WECHAT_TEMPLATE_FIELDS = env.dict("WECHAT_TEMPLATE_FIELDS", default={"thing1": "subject", "thing2": "body"})
WECHAT_API_BASE = env.str("WECHAT_API_BASE", default="https://api.weixin.qq.com")
NOTIFY_DEDUPE_SECONDS = env.int("NOTIFY_DEDUPE_SECONDS", default=600)  # a notice sent twice within: once
INTEGRATIONS_HTTP_TIMEOUT = env.float("INTEGRATIONS_HTTP_TIMEOUT", default=10.0)
INTEGRATIONS_HTTP_TRANSPORT = env.str("INTEGRATIONS_HTTP_TRANSPORT", default="")  # tests: recorded answers

# --- forms, tables ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "xiuhao.core.api_base.SessionAuthenticationWithChallenge",
        "xiuhao.core.api_base.BearerOrTokenAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "xiuhao.core.api_base.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["xiuhao.core.api_base.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "xiuhao.core.api_base.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "xiuhao.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_RATE_ANON", default="60/min"),
        "user": env.str("API_RATE_USER", default="1200/min"),
        "token": env.str("API_RATE_TOKEN", default="10/min"),
    },
    # ClientIPMiddleware already put the client address in REMOTE_ADDR.
    "NUM_PROXIES": 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Xiuhao API",
    "DESCRIPTION": "Xiuhao 修好 after-sales service management — REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "xiuhao.core.schema.add_error_responses",
    ],
    # Choice sets that share a field name across models get explicit component names.
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "xiuhao.org.models.Status",
        "WeekdayEnum": "xiuhao.sla.models.Weekday",
        "UserKindEnum": "xiuhao.org.models.User.Kind",
        "AttachmentKindEnum": "xiuhao.core.models.Attachment.Kind",
        "ImportJobStatusEnum": "xiuhao.core.models.ImportJob.Status",
        "RegionLevelEnum": "xiuhao.org.models.Region.Level",
        "EngineerLevelEnum": "xiuhao.org.models.Engineer.Level",
        "CustomerStatusEnum": "xiuhao.customers.models.Customer.Status",
        "CustomerTierEnum": "xiuhao.customers.models.Customer.Tier",
        "CustomerKindEnum": "xiuhao.customers.models.Customer.Kind",
        "FaultCodeKindEnum": "xiuhao.catalog.models.FaultCode.Kind",
        "ServiceItemKindEnum": "xiuhao.catalog.models.ServiceItem.Kind",
        "DeviceStatusEnum": "xiuhao.assets.models.Device.Status",
        "WarrantyKindEnum": "xiuhao.assets.models.Device.WarrantyKind",
        "DeviceSourceEnum": "xiuhao.assets.models.Device.Source",
        "DevicePartStatusEnum": "xiuhao.assets.models.DevicePart.Status",
        "ContractKindEnum": "xiuhao.contracts.models.Contract.Kind",
        "ContractStatusEnum": "xiuhao.contracts.models.Contract.Status",
        "PaymentPlanStatusEnum": "xiuhao.contracts.models.PaymentPlan.Status",
        "ContractChangeKindEnum": "xiuhao.contracts.models.ContractChange.Kind",
        "ExternalAccountChannelEnum": "xiuhao.integrations.models.ExternalAccount.Channel",
        "DeliveryChannelEnum": "xiuhao.integrations.models.NotificationDelivery.Channel",
        "DeliveryStatusEnum": "xiuhao.integrations.models.NotificationDelivery.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # 4xx answers are logged as one warning line without a traceback (core.middleware).
    "filters": {"client_errors": {"()": "xiuhao.core.middleware.ClientErrorLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "axes": {"level": "ERROR"},
        "django.request": {"filters": ["client_errors"]},
        "django.security": {"filters": ["client_errors"]},
    },
}

# Demo data is loaded by `make run` on first start only (see xiuhao.org.demo).
DEMO_PASSWORD = "demo12345"
