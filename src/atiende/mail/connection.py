"""Test an email inbox's servers with its real credentials and report what they answered.

Used by the admin action and `python -m atiende mail_test_connection`: the SMTP banner, the EHLO
answer, STARTTLS and the login result; for IMAP, the greeting and the login result. Passwords
never appear in a report.
"""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from dataclasses import dataclass

from django.utils.translation import gettext as _

from atiende.inboxes.models import Inbox
from atiende.mail import config


@dataclass(frozen=True)
class Report:
    server: str  # "SMTP host:port" or "IMAP host:port"
    ok: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        verdict = _("works") if self.ok else _("failed")
        return f"{self.server} {verdict}: " + " | ".join(self.lines)


def _text(value: bytes | str) -> str:
    decoded = value.decode(errors="replace") if isinstance(value, bytes) else value
    return " ".join(decoded.split())[:300]


def check_smtp(settings: config.SmtpConfig) -> Report:
    server = f"SMTP {settings.host}:{settings.port}"
    lines: list[str] = []
    context = ssl.create_default_context()
    session: smtplib.SMTP
    try:
        if settings.security == "ssl":
            session = smtplib.SMTP_SSL(timeout=settings.timeout, context=context)
        else:
            session = smtplib.SMTP(timeout=settings.timeout)
        code, banner = session.connect(settings.host, settings.port)
        lines.append(_("banner: %(code)s %(text)s") % {"code": code, "text": _text(banner)})
        try:
            code, answer = session.ehlo()
            lines.append(_("EHLO: %(code)s %(text)s") % {"code": code, "text": _text(answer)})
            if settings.security == "starttls":
                code, answer = session.starttls(context=context)
                lines.append(
                    _("STARTTLS: %(code)s %(text)s") % {"code": code, "text": _text(answer)}
                )
                session.ehlo()
            if settings.username:
                code, answer = session.login(settings.username, settings.password)
                lines.append(_("login: %(code)s %(text)s") % {"code": code, "text": _text(answer)})
            else:
                lines.append(_("no login configured"))
        finally:
            session.close()
    except smtplib.SMTPResponseException as exc:
        lines.append(
            _("refused: %(code)s %(text)s") % {"code": exc.smtp_code, "text": _text(exc.smtp_error)}
        )
        return Report(server, False, tuple(lines))
    except (OSError, smtplib.SMTPException) as exc:
        lines.append(_("error: %s") % _text(str(exc) or type(exc).__name__))
        return Report(server, False, tuple(lines))
    return Report(server, True, tuple(lines))


def check_imap(settings: config.ImapConfig, timeout: float = 30) -> Report:
    server = f"IMAP {settings.host}:{settings.port}"
    lines: list[str] = []
    context = ssl.create_default_context()
    client: imaplib.IMAP4
    try:
        if settings.security == "ssl":
            client = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=timeout
            )
        else:
            client = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
        try:
            lines.append(_("greeting: %s") % _text(client.welcome))
            if settings.security == "starttls":
                status, _answer = client.starttls(ssl_context=context)
                lines.append(_("STARTTLS: %(status)s") % {"status": status})
            status, login_answer = client.login(settings.username, settings.password)
            lines.append(
                _("login: %(status)s %(text)s")
                % {"status": status, "text": _text(b" ".join(login_answer))}
            )
            client.logout()
        finally:
            client.shutdown()
    except imaplib.IMAP4.error as exc:
        lines.append(_("refused: %s") % _text(str(exc)))
        return Report(server, False, tuple(lines))
    except OSError as exc:
        lines.append(_("error: %s") % _text(str(exc) or type(exc).__name__))
        return Report(server, False, tuple(lines))
    return Report(server, True, tuple(lines))


def check_inbox(inbox: Inbox) -> list[Report]:
    """Every server the inbox has configured; an inbox with none reports that."""
    reports = []
    if (smtp := config.smtp(inbox)) is not None:
        reports.append(check_smtp(smtp))
    if (imap := config.imap(inbox)) is not None:
        reports.append(check_imap(imap))
    if not reports:
        reports.append(Report(inbox.name, False, (_("no SMTP or IMAP server configured"),)))
    return reports
