"""django-helpdesk, the peer of the API bench, installed and configured at bench time.

Nothing of django-helpdesk is committed here: its package comes from PyPI into a gitignored
virtualenv (bench/.peer-venv), and the minimal Django project that hosts it (settings, urls,
wsgi, a setup and a seeding script) is written by this module into a temporary folder.

The project follows django-helpdesk's documented installation (docs/install.rst, docs/api.rst):
`helpdesk` and the contrib apps it needs in INSTALLED_APPS, SITE_ID, its urls at the site root
so that the API is `/api/tickets/`, `HELPDESK_ACTIVATE_API_ENDPOINT = True` (the installed 2.x
reads `HELPDESK_API_ENABLED`, default True; both are set), djangorestframework with its
default authentication (session + HTTP basic: the docs' example uses basic) plus DRF's token
authentication (`rest_framework.authtoken`) as the fast alternative. Teams are off
(`HELPDESK_TEAMS_MODE_ENABLED = False`, docs/teams.rst) so pinax-teams is not needed.
Two database configurations: Django's SQLite defaults (rollback journal) and SQLite in WAL mode
with `BEGIN IMMEDIATE` and synchronous=NORMAL, the same settings atiende uses.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.procs import BENCH_DIR, LOOPBACK, run

PEER_VENV = BENCH_DIR / ".peer-venv"
# django-helpdesk 2.6 declares Django 5.2 and 6.0; keep it on a Django it supports.
REQUIREMENTS = [
    os.environ.get("PEER_HELPDESK_SPEC", "django-helpdesk==2.6.1"),
    "django>=6.0,<6.1",
    "gunicorn>=23",
]
BASE_PYTHONS = [
    Path("/root/.pyenv/versions/3.12.1/bin/python"),
    Path("/root/.pyenv/versions/3.11.7/bin/python"),
]
USERNAME = "bench"
PASSWORD = "bench-Pass-8841"  # a local throw-away account on a loopback-only server

SETTINGS = '''"""A minimal project hosting django-helpdesk for atiende's bench (generated)."""
import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peerproj.urls"
WSGI_APPLICATION = "peerproj.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
_OPTIONS = {}
if os.environ.get("PEER_WAL") == "1":
    _OPTIONS = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
    }
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["PEER_DB"],
        "OPTIONS": _OPTIONS,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(os.environ["PEER_DIR"], "static")
MEDIA_ROOT = os.path.join(os.environ["PEER_DIR"], "media")
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_ACTIVATE_API_ENDPOINT = True
HELPDESK_API_ENABLED = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ]
}
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
'''

URLS = '''"""django-helpdesk at the site root, as its docs show (generated, not committed)."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
'''

WSGI = '''"""WSGI entry point (generated, not committed)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
application = get_wsgi_application()
'''

SETUP = f'''"""Admin user, a queue and a DRF token, printed as JSON (generated)."""
import json

import django

django.setup()

from django.contrib.auth import get_user_model
from helpdesk.models import Queue
from rest_framework.authtoken.models import Token

User = get_user_model()
user = User.objects.filter(username="{USERNAME}").first()
if user is None:
    user = User.objects.create_superuser("{USERNAME}", "bench@example.com", "{PASSWORD}")
queue, _ = Queue.objects.get_or_create(
    slug="api", defaults={{"title": "API", "allow_email_submission": False}}
)
token, _ = Token.objects.get_or_create(user=user)
print(json.dumps({{"queue_id": queue.pk, "token": token.key}}))
'''

SEED = '''"""Top the ticket table up to N tickets with the ORM, each with its first follow-up
as the API creates them (generated)."""
import json
import sys

import django

django.setup()

from django.db import transaction
from helpdesk.models import FollowUp, Queue, Ticket

target = int(sys.argv[1])
queue = Queue.objects.get(slug="api")
have = Ticket.objects.count()
batch = 2000
with transaction.atomic():
    while have < target:
        size = min(batch, target - have)
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    queue=queue,
                    title=f"Seeded ticket {have + i}",
                    description="The invoice total does not match the plan I chose.",
                    submitter_email=f"customer{(have + i) % 1000}@example.com",
                    priority=3,
                )
                for i in range(size)
            ]
        )
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    ticket=ticket,
                    title="Ticket Opened",
                    comment=ticket.description,
                    public=True,
                )
                for ticket in tickets
            ]
        )
        have += size
print(json.dumps({"tickets": Ticket.objects.count()}))
'''


@dataclass
class PeerProject:
    """One generated project folder; each database configuration is a file in it."""

    python: Path
    folder: Path

    def env(self, db: Path, wal: bool) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_URL", "PYTHON"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "peerproj.settings",
                "PYTHONPATH": str(self.folder),
                "PEER_DB": str(db),
                "PEER_WAL": "1" if wal else "0",
                "PEER_DIR": str(self.folder),
            }
        )
        return env

    def manage(self, db: Path, wal: bool, *args: str, timeout: float = 300) -> str:
        return run(
            [str(self.python), "-m", "django", *args],
            self.env(db, wal),
            cwd=self.folder,
            timeout=timeout,
        )

    def script(self, db: Path, wal: bool, name: str, *args: str) -> str:
        return run(
            [str(self.python), str(self.folder / name), *args],
            self.env(db, wal),
            cwd=self.folder,
        )

    def prepare_db(self, db: Path) -> dict[str, str | int]:
        """Migrate a fresh database and create the admin user, the queue and a token."""
        self.manage(db, False, "migrate", "--noinput", timeout=400)
        result: dict[str, str | int] = json.loads(
            self.script(db, False, "peer_setup.py").strip().splitlines()[-1]
        )
        return result

    def seed(self, db: Path, wal: bool, total: int) -> int:
        out = self.script(db, wal, "peer_seed.py", str(total))
        return int(json.loads(out.strip().splitlines()[-1])["tickets"])

    def gunicorn(self, port: int, workers: int, threads: int) -> list[str]:
        argv = [
            str(self.python),
            "-m",
            "gunicorn",
            "peerproj.wsgi:application",
            "--bind",
            f"{LOOPBACK}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
        ]
        if threads > 1:
            argv += ["--worker-class", "gthread", "--threads", str(threads)]
        return argv


def base_python() -> Path:
    for candidate in BASE_PYTHONS:
        if candidate.exists():
            return candidate
    found = shutil.which("python3.12") or shutil.which("python3.11")
    return Path(found) if found else Path(sys.executable)


def ensure_venv() -> Path:
    """bench/.peer-venv with django-helpdesk, from PyPI through pip; reused while unchanged."""
    python = PEER_VENV / "bin" / "python"
    marker = PEER_VENV / ".installed"
    wanted = "\n".join(REQUIREMENTS)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    if PEER_VENV.exists():
        shutil.rmtree(PEER_VENV)
    subprocess.run([str(base_python()), "-m", "venv", str(PEER_VENV)], check=True, timeout=120)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ],
        check=True,
        timeout=600,
    )
    marker.write_text(wanted)
    return python


def write_project(folder: Path, python: Path) -> PeerProject:
    package = folder / "peerproj"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS)
    (package / "urls.py").write_text(URLS)
    (package / "wsgi.py").write_text(WSGI)
    (folder / "peer_setup.py").write_text(SETUP)
    (folder / "peer_seed.py").write_text(SEED)
    return PeerProject(python=python, folder=folder)


def installed_versions(python: Path) -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m; print(json.dumps({n: m.version(n) for n in "
        "['django-helpdesk', 'django', 'djangorestframework', 'gunicorn']}))"
    )
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    versions: dict[str, str] = json.loads(out.stdout)
    versions["python"] = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    return versions
