"""Migrate function: applies the database migrations inside the VPC (`sam remote invoke` after a deploy)."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.db.migrate import upgrade_database
    from videoflix.settings import load_settings


def handler(event, context):
    upgrade_database(load_settings().database_url)
    return {"database": "up to date"}
