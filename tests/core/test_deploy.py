"""Production settings pass Django's deployment checks; responses carry the security headers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ATIENDE_HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ATIENDE_SMTP_URL": "smtp://support:secret@mail.example.com:587?tls=1",
        "ALLOWED_HOSTS": "support.example.com",
        "ATIENDE_VAR_DIR": str(tmp_path),
        "ATIENDE_STATIC_FINDERS": "0",
    }

    result = subprocess.run(
        [sys.executable, "-m", "atiende", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_responses_carry_csp_and_security_headers(client: Client, db: None) -> None:
    response = client.get("/admin/login/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
