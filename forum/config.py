"""Configuration read from the environment.

Local use (`make run`, tests) works with no servers: SQLite under instance/, tasks in-process,
mail written to files. Production (`APP_ENV=production`) refuses to start without a SECRET_KEY.
"""
import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret(name):
    """A random secret generated once and kept in instance/ (local use only, never production)."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment():
    """Build the configuration mapping from environment variables."""
    production = os.environ.get("APP_ENV", "local") == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
        # Kept on disk so local sessions survive restarts.
        secret_key = instance_secret("secret-key")
    redis_url = os.environ.get("REDIS_URL", "")
    return {
        "APP_ENV": "production" if production else "local",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", redis_url),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Redis down: each process counts in its own memory until Redis answers again (limits hold
        # per process, the portal stays up); a hung Redis costs a request at most half a second.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "PROXY_FIX_COUNT": int(os.environ.get("PROXY_FIX_COUNT", "0")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "ILEA Alumni Portal <no-reply@localhost>"),
        "MAIL_FILE_DIR": os.environ.get("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail")),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "30")),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_BASE_SECONDS": float(os.environ.get("MAIL_RETRY_BASE_SECONDS", "30")),
        # A delivery claimed longer ago than this is taken as abandoned by a dead worker.
        "MAIL_SEND_LEASE_SECONDS": int(os.environ.get("MAIL_SEND_LEASE_SECONDS", "300")),
        "MAIL_SWEEP_AFTER_SECONDS": int(os.environ.get("MAIL_SWEEP_AFTER_SECONDS", "120")),
        "MAIL_SWEEP_EVERY_SECONDS": float(os.environ.get("MAIL_SWEEP_EVERY_SECONDS", "60")),
        "CELERY_VISIBILITY_TIMEOUT": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
        "STALE_CASE_HOURS": int(os.environ.get("STALE_CASE_HOURS", "48")),
        # Activity in watched threads and categories is mailed in digests at most this often.
        "WATCH_DIGEST_MINUTES": int(os.environ.get("WATCH_DIGEST_MINUTES", "60")),
        "IGN_URL": os.environ.get("IGN_URL", "https://ign.ilea.example/"),
        # Sign-in with the ILEA Global Network (OpenID Connect): offered when all three are set.
        "IGN_OIDC_ISSUER": os.environ.get("IGN_OIDC_ISSUER", ""),
        "IGN_OIDC_CLIENT_ID": os.environ.get("IGN_OIDC_CLIENT_ID", ""),
        "IGN_OIDC_CLIENT_SECRET": os.environ.get("IGN_OIDC_CLIENT_SECRET", ""),
        "PASSWORD_RESET_HOURS": int(os.environ.get("PASSWORD_RESET_HOURS", "2")),  # without IGN
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", "14")),  # how long an invitation link works
        "INVITATIONS_PER_MINUTE": int(os.environ.get("INVITATIONS_PER_MINUTE", "120")),  # with a broker
        "PORTAL_URL": os.environ.get("PORTAL_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "remember_token",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Long replies take a while to write: a token valid for the whole session, not one hour.
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "LANGUAGES": ["en", "es", "fr", "th", "pt"],
        "THREADS_PER_PAGE": int(os.environ.get("THREADS_PER_PAGE", "25")),
        "POSTS_PER_PAGE": int(os.environ.get("POSTS_PER_PAGE", "20")),
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per 5 minutes"),
        "REPORT_LIMIT": os.environ.get("REPORT_LIMIT", "20 per day"),
        "WRITE_LIMIT": os.environ.get("WRITE_LIMIT", "10 per minute"),  # new threads, replies, edits
        # Reports from this many different members hide a post until a moderator decides.
        "MODERATION_HIDE_THRESHOLD": int(os.environ.get("MODERATION_HIDE_THRESHOLD", "3")),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "ROSTER_MAX_BYTES": 32 * 1024 * 1024,  # an academy roster upload (70,000 rows is about 10 MB)
        "ROSTER_REPORT_DIR": os.environ.get("ROSTER_REPORT_DIR", str(INSTANCE_DIR / "roster-reports")),
        # The resource library's files: outside the static folder, served only through the download view.
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads")),
        "RESOURCE_MAX_BYTES": int(os.environ.get("RESOURCE_MAX_BYTES", str(20 * 1024 * 1024))),
    }
