"""Email: the notification to the address of its recipient, over the SMTP server of the settings."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from ..attachments import attachments_for
from . import DeliveryFailed, absolute_link

TIMEOUT_SECONDS = 10


def send_email(recipient_email, subject, body, attachments=()):
    """Send one email now; `attachments` are (filename, content bytes, mimetype). Raises on failure."""
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or TIMEOUT_SECONDS)
    # A header cannot hold a line break.
    message = EmailMessage(" ".join(str(subject).split()), body, to=[recipient_email], connection=connection)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)


def messages(delivery) -> list[tuple[str, str]]:
    notification = delivery.notification
    body = notification.body
    link = absolute_link(notification)
    if link:
        body = _("%(body)s\n\n查看详情：%(link)s") % {"body": body, "link": link} if body else link
    return [(notification.title, body)]


def send(delivery, message):
    subject, body = message
    try:
        send_email(delivery.target, subject, body, attachments_for(delivery.notification))
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(_("邮件发送失败：%(error)s") % {"error": error}) from error
