"""Notice emails: written in the person's language (plain text and HTML), sent over SMTP.

The sentences live here (extracted into the interface catalog like any `_()` message),
the layout in `templates/notice.txt` and `templates/notice.html`. Sending opens one SMTP
connection per email with a timeout, optionally upgraded with STARTTLS and logged in; a
failure raises `EmailNotSent`, whose message names the server and the kind of failure,
never the password, so the job runner can retry it and log it.
"""

from __future__ import annotations

import gettext as _gettext
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

import orchestre

SUPPORTED = ("en", "fr")
TRANSLATIONS_DIR = Path(orchestre.__file__).resolve().parent / "web" / "translations"
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
NETWORK_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "sandbox": "Sandbox",
}


class EmailNotSent(Exception):
    """The SMTP server could not be reached or refused the email (worth a retry later)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    mail_from: str = "orchestre@localhost"
    timeout: float = 30.0


@dataclass(frozen=True)
class Notice:
    """An email ready to send: who, in which language, what it says."""

    to: str
    locale: str
    subject: str
    text: str
    html: str


def translations(locale: str) -> _gettext.NullTranslations:
    found = Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")
    return found if isinstance(found, Translations) else NullTranslations()


def locale_of(preferred: str | None, default: str) -> str:
    primary = (preferred or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in SUPPORTED else default


def _sentences(kind: str, payload: dict[str, Any], gt: _gettext.NullTranslations) -> dict[str, str]:
    _ = gt.gettext
    values = {
        "network": NETWORK_NAMES.get(str(payload.get("network", "")), str(payload.get("network"))),
        "handle": str(payload.get("handle", "")),
    }
    inbox = _inbox_sentences(kind, payload, values, gt)
    if inbox is not None:
        return inbox
    if kind == "channel_needs_reconnection":
        return {
            "subject": _("Reconnect %(network)s (%(handle)s)") % values,
            "intro": _(
                "%(network)s refused the credentials of %(handle)s. Nothing will be published "
                "there until someone reconnects the channel."
            )
            % values,
            "action_label": _("Reconnect the channel"),
        }
    if payload.get("state") == "needs_attention":
        return {
            "subject": _("A publication needs you on %(network)s (%(handle)s)") % values,
            "intro": _(
                "A post could not go out on %(network)s (%(handle)s) and waits for a person "
                "to decide what to do."
            )
            % values,
            "action_label": _("Open the post"),
        }
    return {
        "subject": _("Publication failed on %(network)s (%(handle)s)") % values,
        "intro": _("A post could not be published on %(network)s (%(handle)s).") % values,
        "action_label": _("Open the post"),
    }


def _inbox_sentences(
    kind: str, payload: dict[str, Any], values: dict[str, str], gt: _gettext.NullTranslations
) -> dict[str, str] | None:
    """The words of the inbox's and moderation's notices, or None for another kind."""
    _ = gt.gettext
    if kind == "inbox_response_overdue":
        late = {**values, "minutes": str(payload.get("overdue_minutes", ""))}
        return {
            "subject": _("A conversation waits for an answer on %(network)s (%(handle)s)") % late,
            "intro": _("The first-response target was missed by %(minutes)s minutes.") % late,
            "action_label": _("Open the conversation"),
        }
    if kind == "moderation_escalated":
        said = {"rule": str(payload.get("rule", "")), "excerpt": str(payload.get("excerpt", ""))}
        return {
            "subject": _("A moderation rule asks for your attention: %(rule)s") % said,
            "intro": _("The rule “%(rule)s” escalated this message: %(excerpt)s") % said,
            "action_label": _("Open the conversation"),
        }
    if kind == "crisis_alert":
        what = {
            "terms": ", ".join(str(t) for t in payload.get("top_terms") or []) or "—",
            "channels": ", ".join(str(c) for c in payload.get("channels") or []) or "—",
        }
        return {
            "subject": _("Crisis alert: the inbox is rising well above its usual level"),
            "intro": _(
                "Messages are arriving far above their usual level (top terms: %(terms)s; "
                "channels: %(channels)s). Open the crisis page to see the evidence, "
                "acknowledge it or engage crisis mode."
            )
            % what,
            "action_label": _("Open the crisis page"),
        }
    return None


def render(
    kind: str,
    payload: dict[str, Any],
    *,
    to: str,
    name: str,
    locale: str,
    workspace_id: str,
    workspace_name: str,
    base_url: str,
) -> Notice:
    """The email about one notification, in `locale`."""
    gt = translations(locale)
    _ = gt.gettext
    texts = _sentences(kind, payload, gt)
    base = f"{base_url.rstrip('/')}/w/{workspace_id}"
    post_id = payload.get("post_id")
    conversation_id = payload.get("conversation_id")
    if kind == "crisis_alert":
        action_url = f"{base}/crisis"
    elif conversation_id:
        action_url = f"{base}/inbox?c={conversation_id}"
    else:
        action_url = f"{base}/posts/{post_id}" if post_id else f"{base}/channels"
    context = {
        **texts,
        "locale": locale,
        "greeting": _("Hello %(name)s,") % {"name": name},
        "reason_label": _("Reason given by the network:"),
        "reason": str(payload.get("reason") or ""),
        "action_url": action_url,
        "footer": _(
            "You receive this email because you are a member of %(workspace)s in Orchestre."
        )
        % {"workspace": workspace_name},
    }
    return Notice(
        to=to,
        locale=locale,
        subject=texts["subject"],
        text=TEMPLATES.get_template("notice.txt").render(context),
        html=TEMPLATES.get_template("notice.html").render(context),
    )


def message(notice: Notice, mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = notice.subject
    msg["From"] = mail_from if "<" in mail_from else formataddr(("Orchestre", mail_from))
    msg["To"] = notice.to
    msg["Message-ID"] = make_msgid(domain="orchestre")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(notice.text)
    msg.add_alternative(notice.html, subtype="html")
    # After the body: setting content clears the Content-* headers.
    msg["Content-Language"] = notice.locale
    return msg


class SmtpMailer:
    """Sends through one SMTP server; one connection per email (notices are rare)."""

    def __init__(self, config: SmtpSettings, tls: ssl.SSLContext | None = None) -> None:
        self.config = config
        # The system's trusted authorities unless told otherwise (a private CA, tests).
        self._tls = tls

    def send(self, notice: Notice) -> None:
        self.deliver(message(notice, self.config.mail_from))

    def deliver(self, msg: EmailMessage) -> None:
        """Send a ready message (a report with its PDF attached, say) over one connection."""
        cfg = self.config
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
                if cfg.starttls:
                    smtp.starttls(context=self._tls or ssl.create_default_context())
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                smtp.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "smtp_code", None)
            what = type(exc).__name__ + (f" {code}" if code else "")
            # `from None`: the original exception may carry the server's dialogue.
            raise EmailNotSent(
                f"Could not send an email through {cfg.host}:{cfg.port} ({what})."
            ) from None
