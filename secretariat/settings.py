"""Settings for the Drone Coalition secretariat, read from the environment.

Unset variables give a development set-up that needs nothing installed: an SQLite
file in the project folder and Celery tasks run in-process. Production sets
``DEBUG=off`` and must then provide ``SECRET_KEY``, ``ALLOWED_HOSTS`` and the rest;
a missing production secret stops the start-up with a clear message.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from members import schedule as members_schedule
from procurement import schedule as procurement_schedule
from secretariat.accounts import schedule as accounts_schedule
from secretariat.notifications import schedule as notifications_schedule
from secretariat.reports import schedule as reports_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (set DEBUG=on for development)."
    )
# Rotation: the new key in SECRET_KEY, the old one here until sessions, reset
# links and invitations signed with it have expired (README "Operating it").
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused by the CSRF check gets the product's page (secretariat/errors.py).
CSRF_FAILURE_VIEW = "secretariat.errors.csrf_failure"

INSTALLED_APPS = [
    # Django's admin, on a site that keeps sealed bids out of every admin list.
    "secretariat.kernel.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "djmoney",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "secretariat",
    "members",
    "procurement",
]

MIDDLEWARE = [
    # Outermost: a request id for every log line, and every response counted.
    "secretariat.kernel.request_log.RequestIdMiddleware",
    "secretariat.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "secretariat.malformed.RefuseNulMiddleware",
    "secretariat.malformed.NumberOutOfRangeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "secretariat.kernel.timezones.TimeZoneMiddleware",
    # The signed-in person's chosen language wins over LocaleMiddleware's guess.
    "secretariat.accounts.languages.UserLanguageMiddleware",
    # django-otp's, with the verified device read from the cache.
    "secretariat.accounts.auth_stamp.CachedOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "secretariat.accounts.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "secretariat.accounts.audit.SecurityAuditMiddleware",
    "secretariat.accounts.twofactor.TwoFactorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# ``make bench`` only: per-request query counts and timings in response headers,
# and a bare view (``/bench/bare/``) to compare throughput with.
BENCH_INSTRUMENTS = env.bool("BENCH_INSTRUMENTS", default=False)
if BENCH_INSTRUMENTS:
    MIDDLEWARE.insert(0, "secretariat.bench.QueryStatsMiddleware")

ROOT_URLCONF = "secretariat.urls"
WSGI_APPLICATION = "secretariat.wsgi.application"
ASGI_APPLICATION = "secretariat.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "secretariat.context_processors.navigation",
                "secretariat.context_processors.notification_bell",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI; an SQLite file otherwise. SQLite runs in
# WAL mode with IMMEDIATE transactions so that concurrent writers queue for the write
# lock at BEGIN instead of failing half-way through a transaction.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    )
    # A file (not memory) so that threads in the concurrency tests share it; one
    # per process so that parallel test runs never share one.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "secretariat.User"
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user name and address is refused before any
    # password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)

# Lockout after failed sign-ins (django-axes; secretariat/lockout.py): per user
# name and address together, lifted after the cool-off or by an administrator.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "secretariat.accounts.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "secretariat.accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "secretariat.accounts.lockout.attempted_username"
AXES_VERBOSE = False
# Two-factor sign-in (django-otp, TOTP; secretariat/twofactor.py).
OTP_TOTP_ISSUER = "Drone Coalition secretariat"
OTP_TOTP_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en-gb"
# Each person chooses theirs under Settings (User.language; anonymous pages follow
# the browser's Accept-Language). Each is named in itself, so that anyone finds
# theirs. The Ukrainian catalogue is locale/uk/LC_MESSAGES/django.po, compiled
# by `make` (manage.py compile_catalogues); see README, "Languages".
LANGUAGES = [("en", "English"), ("uk", "Українська")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as 31 Mar 2026 and times as 14:00 wherever Django writes them (the admin,
# {{ a_date }} in a template): secretariat/formats/en/formats.py.
FORMAT_MODULE_PATH = ["secretariat.formats"]
TIME_ZONE = "Europe/Riga"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded documents live outside any public URL; they are served only through the
# permission-checked download view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Email: in development, each message is written to a file in EMAIL_FILE_PATH
# (./sent-mail), so that the demo's notifications do not flood the console.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.filebased.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Drone Coalition Secretariat <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Celery: with no broker configured, tasks run eagerly in the web process so that a
# fresh machine needs no Redis.
REDIS_URL = env.str("REDIS_URL", default="")
# The cache (secretariat/kernel/cache.py): sessions, role names, the verified
# second-factor device and the bell's count, each also kept in the database. Redis
# when configured, shared by every web process; a short socket timeout, so that a
# frozen Redis costs a request a quarter of a second once (the helpers then skip
# the cache for a while) instead of hanging it. Without Redis, each process keeps
# its own (LocMem), and sessions are read from the database only.
CACHE_URL = env.str("CACHE_URL", default="") or env.str(
    "CACHE_REDIS_URL", default=REDIS_URL
)
SHARED_CACHE = bool(CACHE_URL)
if SHARED_CACHE:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # (Test workers run in parallel against one Redis: a prefix each.)
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="sec")
            + os.environ.get("PYTEST_XDIST_WORKER", ""),
            "OPTIONS": {
                "socket_connect_timeout": env.float(
                    "CACHE_SOCKET_TIMEOUT", default=0.25
                ),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.25),
                "retry_on_timeout": False,
            },
        }
    }
    # Read through the cache, written to both; a session cached in one process
    # and ended in another cannot outlive the logout (secretariat/accounts/
    # session_store.py). With a per-process LocMem it could, hence only here.
    SESSION_ENGINE = "secretariat.accounts.session_store"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "secretariat",
        }
    }
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Nothing reads task results (reports and deliveries keep their state in the
# database). Storing them would make every publish from a web request subscribe to
# a result channel first, which during a Redis outage retries for ~20 s.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL
)
if not CELERY_BROKER_URL:
    # Eager tasks still borrow a producer; an in-process transport needs no server
    # (named, or kombu warns on every first use that it supplied "localhost").
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Workers and beat: a publish that finds the broker down gives up at once rather
# than retrying its connection for seconds; the outbox's periodic resend sends what
# was not queued. (Requests use the shorter BROKER_HANDOFF_TIMEOUT below.)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A request hands its work to the broker once (secretariat.kernel.queueing.hand_off),
# waiting
# at most this many seconds for it: a frozen Redis or a network partition costs a
# request this much, not a wait per email.
BROKER_HANDOFF_TIMEOUT = env.float("BROKER_HANDOFF_TIMEOUT", default=0.5)
CELERY_TIMEZONE = TIME_ZONE
# Reminders of approaching deadlines, this many days before them.
NOTIFICATION_REMINDER_DAYS = env.list(
    "NOTIFICATION_REMINDER_DAYS", cast=int, default=[7, 1]
)
# Schedules are kept in code, so that every deployment runs the same ones; run one
# `celery -A secretariat beat` process per deployment.
# Each workflow schedules its own periodic tasks, in its ``schedule.py``.
CELERY_BEAT_SCHEDULE = {
    **members_schedule.PERIODIC,
    **procurement_schedule.PERIODIC,
    **notifications_schedule.PERIODIC,
    **reports_schedule.PERIODIC,
    **accounts_schedule.PERIODIC,
}

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "secretariat.accounts.twofactor.VerifiedSessionAuthentication",
        "secretariat.accounts.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested deeper than a request ever needs is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "secretariat.kernel.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "secretariat.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
# An unfiltered API list of a whole table larger than this counts by PostgreSQL's
# estimate, labelled count_is_estimate (secretariat/kernel/pagination.py).
API_COUNT_ESTIMATE_ABOVE = env.int("API_COUNT_ESTIMATE_ABOVE", default=10_000)
SPECTACULAR_SETTINGS = {
    "TITLE": "Drone Coalition Secretariat API",
    "DESCRIPTION": (
        "Member states, onboarding cases, pledges and contributions of the Drone "
        "Coalition. Every endpoint applies the same permissions as the web pages."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "secretariat.api_schema.document_refusals",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MemberStatusEnum": "members.models.MemberStatus",
        "DeliveryModeEnum": "secretariat.notifications.models.DeliveryMode",
        "PledgeStatusEnum": "members.models.PledgeStatus",
        "ParticipationScopeEnum": "members.models.ParticipationScope",
        "EarmarkEnum": "members.models.Earmark",
        "LethalityEnum": "secretariat.kernel.models.Lethality",
        "PoolKindEnum": "secretariat.fund.models.PoolKind",
        "LedgerKindEnum": "secretariat.fund.models.LedgerKind",
        "CommitmentStatusEnum": "secretariat.fund.models.CommitmentStatus",
        "AdjustmentStatusEnum": "secretariat.fund.models.AdjustmentStatus",
        "DisbursementStatusEnum": "secretariat.fund.models.DisbursementStatus",
        "StatementLineStatusEnum": "secretariat.fund.models.LineStatus",
        "ReportKindEnum": "secretariat.reports.models.ReportKind",
        "ReportFormatEnum": "secretariat.reports.models.ReportFormat",
        "ReportStatusEnum": "secretariat.reports.models.ReportStatus",
        "VettingStatusEnum": "procurement.models.VettingStatus",
        "TenderStatusEnum": "procurement.models.TenderStatus",
        "BidStatusEnum": "procurement.models.BidStatus",
    },
}

# Money
CURRENCIES = (
    "EUR", "GBP", "USD", "JPY", "NOK", "SEK", "DKK", "PLN", "CZK",
    "CAD", "AUD", "NZD", "TRY", "UAH", "CHF",
)  # fmt: skip
DEFAULT_CURRENCY = "EUR"
# A recorded exchange rate older than this is not used without a newer one.
FX_RATE_MAX_AGE_DAYS = env.int("FX_RATE_MAX_AGE_DAYS", default=92)

# The prefix of the Open Contracting IDs of our tenders (ocds-xxxxxx).
OCDS_PREFIX = env.str("OCDS_PREFIX", default="ocds-dcsec1")
# The licence of the open data and the page that says what is published when (the
# package's ``license`` and ``publicationPolicy``). An empty policy URL means the
# project's own page, /open-data/policy/.
OCDS_LICENSE = env.str(
    "OCDS_LICENSE", default="https://creativecommons.org/licenses/by/4.0/"
)
OCDS_PUBLICATION_POLICY = env.str("OCDS_PUBLICATION_POLICY", default="")
# The Coalition's own identifier scheme (org-id.guide style: XI = international)
# for the secretariat and for manufacturers with no known national register.
OCDS_ORGANIZATION_SCHEME = env.str(
    "OCDS_ORGANIZATION_SCHEME", default="XI-DRONECOALITION"
)
# The scheme of the items' classification: the Coalition's capability codes.
OCDS_ITEM_CLASSIFICATION_SCHEME = env.str(
    "OCDS_ITEM_CLASSIFICATION_SCHEME", default="XI-DRONECOALITION-CAPABILITY"
)
# A manufacturer's registration number is published with its country's company
# register (the org-id.guide list code); countries not named here fall back to
# the Coalition's scheme and the manufacturer's number with us.
OCDS_REGISTRATION_SCHEMES = {
    "AU": "AU-ABN", "BE": "BE-BCE_KBO", "CZ": "CZ-ICO", "DE": "DE-CR",
    "DK": "DK-CVR", "EE": "EE-RIK", "FR": "FR-RCS", "GB": "GB-COH",
    "JP": "JP-JCN", "LT": "LT-RC", "LV": "LV-RE", "NL": "NL-KVK",
    "NO": "NO-BRC", "PL": "PL-KRS", "SE": "SE-BLV", "UA": "UA-EDR",
}  # fmt: skip

# A tender changed after publication gives bidders at least this many days.
TENDER_AMENDMENT_MIN_DAYS = env.int("TENDER_AMENDMENT_MIN_DAYS", default=7)
# The standstill after an award, during which losing bidders may complain and
# no contract is signed: a tender's standstill is at least this many days (and
# at most AWARD_STANDSTILL_MAX_DAYS).
AWARD_STANDSTILL_MIN_DAYS = env.int("AWARD_STANDSTILL_MIN_DAYS", default=10)
AWARD_STANDSTILL_MAX_DAYS = 90
if not 1 <= AWARD_STANDSTILL_MIN_DAYS <= AWARD_STANDSTILL_MAX_DAYS:
    raise ImproperlyConfigured(
        f"AWARD_STANDSTILL_MIN_DAYS must be from 1 to {AWARD_STANDSTILL_MAX_DAYS}."
    )

# Integrity red flags (procurement/red_flags.py): the thresholds of the
# indicators, as their definitions on the red-flags page state them.
RED_FLAG_SHORT_SUBMISSION_DAYS = env.int("RED_FLAG_SHORT_SUBMISSION_DAYS", default=15)
RED_FLAG_DISQUALIFIED_PERCENT = env.int("RED_FLAG_DISQUALIFIED_PERCENT", default=50)
RED_FLAG_NEAR_ESTIMATE_PERCENT = env.str("RED_FLAG_NEAR_ESTIMATE_PERCENT", default="2")
RED_FLAG_REPEAT_WINNER_PERCENT = env.int("RED_FLAG_REPEAT_WINNER_PERCENT", default=50)
RED_FLAG_REPEAT_WINNER_MIN_WINS = env.int("RED_FLAG_REPEAT_WINNER_MIN_WINS", default=2)
RED_FLAG_REPEAT_WINNER_DAYS = env.int("RED_FLAG_REPEAT_WINNER_DAYS", default=365)
# An opened bid's unit price, kept so that its seal is not opened on every page.
RED_FLAG_PRICE_CACHE_SECONDS = 24 * 60 * 60


# Sealed bids are encrypted with these Fernet keys (comma-separated; the first
# seals, all open). Production must set them; development derives one from the
# secret key.
def _development_bid_key(secret: str) -> str:
    import base64
    import hashlib

    digest = hashlib.sha256(("bids:" + secret).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


BID_ENCRYPTION_KEYS = env.list(
    "BID_ENCRYPTION_KEYS", default=[_development_bid_key(SECRET_KEY)] if DEBUG else []
)
if not BID_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "BID_ENCRYPTION_KEYS must be set when DEBUG is off (a Fernet key: "
        "python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )

# Whether a new tender needs an opening committee (k of n members, each with a
# passphrase only they know) before it is published; its bids are then sealed
# to the tender's own key, which the servers never hold (procurement.
# opening_keys). On in production; off in development, where tenders keep the
# server's bid keys.
OPENING_COMMITTEE = env.bool("OPENING_COMMITTEE", default=not DEBUG)
# Argon2id's cost for a member's passphrase key: libsodium's interactive limits
# by default (64 MiB, ~0.1 s per member); the tests use the minimum.
OPENER_KDF_OPSLIMIT = env.int("OPENER_KDF_OPSLIMIT", default=2)
OPENER_KDF_MEMLIMIT = env.int("OPENER_KDF_MEMLIMIT", default=64 * 1024 * 1024)

# Security: production values by default; development relaxes only what plain HTTP
# on localhost needs.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer probes the web processes directly, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Behind our own proxy only: its X-Forwarded-* headers are then trusted (the
# scheme here, the client's address in the security audit).
BEHIND_PROXY = env.bool("BEHIND_PROXY", False)
# How many proxies in front of the app append to X-Forwarded-For (nginx's
# $proxy_add_x_forwarded_for): the client's address is the entry the outermost
# one added, counted from the right (secretariat.accounts.audit.client_ip: the lockout,
# the audit and the API's rate limits).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# DRF's throttles find the client the same way.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# An absolute lifetime (fixed at sign-in, not extended by activity) and an idle
# timeout, both in seconds; see secretariat/sessions.py.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
# API tokens (django-rest-knox, hashed; secretariat/api_tokens.py): the same two
# clocks as a session, in seconds (an idle timeout of 0 leaves only the absolute
# lifetime), and at most this many live tokens per person, the oldest giving way.
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=SESSION_COOKIE_AGE)
API_TOKEN_IDLE_TIMEOUT = env.int("API_TOKEN_IDLE_TIMEOUT", default=SESSION_IDLE_TIMEOUT)
API_TOKEN_LIMIT_PER_USER = env.int("API_TOKEN_LIMIT_PER_USER", default=10)
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_IDLE_TIMEOUT or API_TOKEN_TTL),
    "AUTO_REFRESH": bool(API_TOKEN_IDLE_TIMEOUT),
    "AUTO_REFRESH_MAX_TTL": timedelta(seconds=API_TOKEN_TTL),
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
# Content Security Policy (django-csp): only our own origin, no inline script or
# style; a template that truly needs an inline script uses {{ request.csp_nonce }}.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # NONCE adds 'nonce-...' only to responses whose template used it.
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # Swagger UI's stylesheet draws its icons as data: SVG images.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Operations (README "Operating it"): logs, metrics, readiness, error reports.
# Logs are JSON lines in production and plain lines in development; every line
# carries the request id (and the signed-in user's id) of the request or task.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
# /metrics: a Bearer token, or client addresses allowed without one; with neither
# it answers 404 (outside DEBUG).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# A Celery worker's own exporter of its task counters (unauthenticated: bind it
# to an address only the scraper reaches); 0: none.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_ADDR = env.str("WORKER_METRICS_ADDR", default="127.0.0.1")
# Celery workers write a heartbeat in Redis this often; /readyz fails after three
# missed beats.
WORKER_HEARTBEAT_INTERVAL = env.int("WORKER_HEARTBEAT_INTERVAL", default=30)
# Error reports to Sentry (secretariat.error_reports): no personal data, no
# request bodies, cookies or local variables.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from secretariat import error_reports

    error_reports.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
        "json": {"()": "secretariat.kernel.request_log.json_formatter"},
    },
    "filters": {
        "sealed_paths": {"()": "secretariat.kernel.redaction.SealedPathFilter"},
        "context": {"()": "secretariat.kernel.request_log.RequestContextFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The loggers that write a request's path ("Not Found: /bids/...") keep a
        # path under a tender, a lot or a bid only as its route: which tender a
        # company acted on is sealed like its bid.
        "django.request": {"filters": ["sealed_paths"]},
        "django.security.csrf": {"filters": ["sealed_paths"]},
        "django.server": {"filters": ["sealed_paths"]},
        "django.db.backends": {"level": "WARNING"},
        # runserver prints "Watching for file changes" itself; not twice.
        "django.utils.autoreload": {"level": "WARNING"},
        # WeasyPrint logs each page it lays out; the PDF reports need none of it.
        "weasyprint": {"level": "WARNING"},
        # django-axes logs every sign-in; failures and lockouts are security events.
        "axes": {"level": "WARNING"},
    },
}
