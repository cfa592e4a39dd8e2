"""Mailer function: SQS mail jobs in, emails out through SES (one per job key)."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.observability.logs import configure_logging, logged_invocation
    from videoflix.auth.service import prepare_mail_job
    from videoflix.adapters.mail.outbox import SqlMailLedger
    from videoflix.adapters.mail.worker import send_mail_batch
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services


configure_logging()  # JSON lines with the request id (docs/operations.md)
prepare_snapshot(preload=("pg8000", "boto3"))  # SnapStart: videoflix/snapstart.py, docs/deploy.md


@logged_invocation
def handler(event, context):
    services = get_services()
    return send_mail_batch(event, services.mailer, SqlMailLedger(services.db),
                           prepare=lambda job: prepare_mail_job(services, job))
