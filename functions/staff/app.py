"""Staff function: grants or withdraws staff rights inside the VPC (`sam remote invoke` by an operator).

The account must exist and be activated; its owner registered it through the frontend.
"""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.observability.logs import configure_logging, logged_invocation
    from videoflix.auth.staff import read_staff_change, set_staff
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services


configure_logging()  # JSON lines with the request id (docs/operations.md)
prepare_snapshot(preload=("pg8000",))  # SnapStart: videoflix/snapstart.py, docs/deploy.md


@logged_invocation
def handler(event, context):
    result = set_staff(get_services(), read_staff_change(event))
    return {"email": result.email, "user_id": result.user_id, "is_staff": result.is_staff,
            "changed": result.changed}
