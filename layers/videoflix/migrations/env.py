"""Alembic environment: the URL comes from the caller (videoflix.db.migrate), never from a file."""
from alembic import context

from videoflix.db.models import Base
from videoflix.db.session import get_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_migrations() -> None:
    engine = get_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch rebuild drops and recreates a table: with foreign keys on, dropping `videos`
            # would delete the rows that reference it. The pragma only works outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows with dangling foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # the pooled connection goes back as it came
                connection.commit()


run_migrations()
