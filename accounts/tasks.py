from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMessage


@shared_task(autoretry_for=(SMTPException, ConnectionError, TimeoutError), retry_backoff=30,
             retry_backoff_max=1800, max_retries=6, acks_late=True)
def email_send(*, subject: str, body: str, to: list[str]) -> None:
    """Send an e-mail rendered by the caller (in the recipient's language). A
    mail server that is down delays it with backoff instead of failing the page."""
    EmailMessage(subject, body, to=to).send()
