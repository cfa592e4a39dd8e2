"""Alembic environment: the URL comes from the caller (videoflix.db.migrate), never from a file."""
from alembic import context

from videoflix.db.models import Base
from videoflix.db.session import get_engine

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_migrations() -> None:
    engine = get_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
