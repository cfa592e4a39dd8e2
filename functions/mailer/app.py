"""Mailer function: SQS mail jobs in, emails out through SES (one per job key)."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.auth.service import prepare_mail_job
    from videoflix.mail.outbox import SqlMailLedger
    from videoflix.mail.worker import send_mail_batch
    from videoflix.services import get_services


def handler(event, context):
    services = get_services()
    return send_mail_batch(event, services.mailer, SqlMailLedger(services.db),
                           prepare=lambda job: prepare_mail_job(services, job))
