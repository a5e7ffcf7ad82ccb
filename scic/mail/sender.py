"""The mail sender: delivers queued mails over SMTP, retrying with backoff until the
server takes them. It runs beside the webhook dispatcher in `scic serve`, or alone as
`scic mail [--once]`; several may run, each claims a mail with a short lease first.

A mail is sent at least once: a sender killed between the server's acceptance and the
row's update sends it again when the lease ends (the Message-ID is the same, so mail
clients show it once). A refusing or unreachable server keeps the mail queued: every
failure is an attempt in the log, and the next one waits BACKOFF (at most a day).
Without SCIC_SMTP_URL nothing is sent: the queued mails say so in `last_error`."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from scic.mail import config, smtp_url
from scic.mail.compose import Composed, Skip, compose
from scic.mail.tables import mail_attempts, mail_outbox
from scic.service import Service

log = logging.getLogger("scic.mail")

BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=24),
)
NOT_CONFIGURED = "SCIC_SMTP_URL is not set: nothing is sent"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure (the last step repeats: never given up)."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


class MailSender:
    def __init__(
        self,
        service: Service,
        smtp: smtp_url.Smtp | None | bool = True,
        sender: str | None = None,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=5),
        timeout: float = 20.0,
    ) -> None:
        """`smtp`: True reads SCIC_SMTP_URL; None sends nothing."""
        self.service = service
        self.smtp = config.configured() if smtp is True else smtp or None
        self.sender = sender or config.sender_address()
        self.batch = batch
        self.lease = lease
        self.timeout = timeout
        self._warned = False

    # -- one pass ------------------------------------------------------------------------

    def run_once(self) -> int:
        """Try every due mail once; returns how many were sent or skipped."""
        now = self.service.store.clock()
        if self.smtp is None:
            self._not_configured()
            return 0
        done = 0
        connection: smtplib.SMTP | None = None
        try:
            for mail_id in self._claim(now):
                outcome, connection = self._deliver(mail_id, connection)
                done += outcome
        finally:
            if connection is not None:
                try:
                    connection.quit()
                except (smtplib.SMTPException, OSError):
                    connection.close()
        return done

    def run(self, stop: threading.Event, idle: float = 2.0) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a bad pass must not end the sender thread
                log.exception("mail pass failed")
                busy = 0
            if not busy:
                stop.wait(idle)

    def _claim(self, now: datetime) -> list[str]:
        o = mail_outbox.c
        claimed = []
        with self.service.engine.begin() as conn:
            due = conn.execute(
                sa.select(o.mail_id)
                .where(
                    o.status == "queued",
                    o.next_attempt_at <= now,
                    sa.or_(o.lease_until.is_(None), o.lease_until < now),
                )
                .order_by(o.next_attempt_at, o.created_at)
                .limit(self.batch)
            ).scalars()
            for mail_id in list(due):
                taken = conn.execute(
                    mail_outbox.update()
                    .where(
                        o.mail_id == mail_id,
                        o.status == "queued",
                        sa.or_(o.lease_until.is_(None), o.lease_until < now),
                    )
                    .values(lease_until=now + self.lease)
                )
                if taken.rowcount == 1:
                    claimed.append(mail_id)
        return claimed

    def _deliver(
        self, mail_id: str, connection: smtplib.SMTP | None
    ) -> tuple[int, smtplib.SMTP | None]:
        now = self.service.store.clock()
        with self.service.engine.connect() as conn:
            row = conn.execute(sa.select(mail_outbox).where(mail_outbox.c.mail_id == mail_id))
            found = row.mappings().one()
            composed = compose(conn, found, self.sender, now)
        if isinstance(composed, Skip):
            self._finish(mail_id, now, "skipped", composed.reason, skip=composed.reason)
            return 1, connection
        try:
            if connection is None:
                connection = self._connect()
            refused = connection.send_message(
                composed.message, from_addr=_bare(self.sender), to_addrs=composed.recipients
            )
        except (smtplib.SMTPException, OSError) as error:
            self._failed(mail_id, now, _describe(error))
            if connection is not None:
                connection.close()
            return 0, None
        if refused:  # some recipients refused, others took it: it was delivered
            detail = f"sent; refused by the server for {', '.join(sorted(refused))}"
        else:
            detail = f"sent to {', '.join(composed.recipients)}"
        self._finish(mail_id, now, "sent", detail, composed=composed)
        return 1, connection

    def _connect(self) -> smtplib.SMTP:
        smtp = self.smtp
        assert smtp is not None
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if smtp.tls:
            connection = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout)
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
        if smtp.user:
            connection.login(smtp.user, smtp.password or "")
        return connection

    # -- recording outcomes --------------------------------------------------------------

    def _finish(
        self,
        mail_id: str,
        now: datetime,
        outcome: str,
        detail: str,
        skip: str | None = None,
        composed: Composed | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": outcome,
            "lease_until": None,
            "attempts": mail_outbox.c.attempts + 1,
            "last_error": None,
        }
        if outcome == "sent" and composed is not None:
            values.update(
                sent_at=now,
                sent_to=", ".join(composed.recipients)[:400],
                subject=composed.subject[:300],
            )
        if skip is not None:
            values["skip_reason"] = skip
        with self.service.engine.begin() as conn:
            params = conn.execute(
                sa.select(mail_outbox.c.params).where(mail_outbox.c.mail_id == mail_id)
            ).scalar_one()
            if "link" in params:  # a one-time secret is not kept once it has gone out
                values["params"] = {**params, "link": "(sent)"}
            conn.execute(
                mail_outbox.update().where(mail_outbox.c.mail_id == mail_id).values(values)
            )
            conn.execute(
                mail_attempts.insert().values(
                    mail_id=mail_id, attempted_at=now, outcome=outcome, detail=detail[:500]
                )
            )

    def _failed(self, mail_id: str, now: datetime, detail: str) -> None:
        o = mail_outbox.c
        with self.service.engine.begin() as conn:
            attempts = conn.execute(sa.select(o.attempts).where(o.mail_id == mail_id)).scalar_one()
            conn.execute(
                mail_outbox.update()
                .where(o.mail_id == mail_id)
                .values(
                    attempts=attempts + 1,
                    lease_until=None,
                    last_error=detail[:500],
                    next_attempt_at=now + backoff(attempts + 1),
                )
            )
            conn.execute(
                mail_attempts.insert().values(
                    mail_id=mail_id, attempted_at=now, outcome="failed", detail=detail[:500]
                )
            )
        log.warning("mail %s not sent (attempt %s): %s", mail_id, attempts + 1, detail)

    def _not_configured(self) -> None:
        """Say it once per process, and on every queued mail that does not say it yet."""
        if not self._warned:
            log.warning("%s: mails wait in the outbox", NOT_CONFIGURED)
            self._warned = True
        o = mail_outbox.c
        with self.service.engine.begin() as conn:
            conn.execute(
                mail_outbox.update()
                .where(o.status == "queued", o.last_error.is_(None))
                .values(last_error=NOT_CONFIGURED)
            )


def _bare(sender: str) -> str:
    """The address of `Name <addr>`, for the envelope."""
    return sender.rsplit("<", 1)[-1].rstrip(">").strip() if "<" in sender else sender.strip()


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        return f"SMTP {error.smtp_code}: {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "every recipient refused: " + ", ".join(
            f"{addr} ({code})" for addr, (code, _) in error.recipients.items()
        )
    return f"{type(error).__name__}: {error}"
