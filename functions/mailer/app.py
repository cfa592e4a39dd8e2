"""Mailer function: SQS mail jobs in, emails out through SES."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.mail.outbox import SesMailSender
    from videoflix.mail.worker import send_mail_batch
    from videoflix.services import get_settings


def handler(event, context):
    return send_mail_batch(event, SesMailSender(get_settings()))
