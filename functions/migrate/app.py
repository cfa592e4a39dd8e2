"""Migrate function: applies the database migrations inside the VPC (`sam remote invoke` after a deploy)."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.observability.logs import configure_logging, logged_invocation
    from videoflix.db.migrate import upgrade_database
    from videoflix.settings import load_settings
    from videoflix.snapstart import prepare_snapshot


configure_logging()  # JSON lines with the request id (docs/operations.md)
prepare_snapshot(preload=("pg8000", "alembic"))  # SnapStart: videoflix/snapstart.py, docs/deploy.md


@logged_invocation
def handler(event, context):
    upgrade_database(load_settings().database_url)
    return {"database": "up to date"}
