"""A function's database driver loads on its first query, not with its services (issue 25): a request
the caches answer (a warm catalog page behind a cached login check) never pays for pg8000."""
from sqlalchemy import text

from tests.support.fresh_interpreter import fresh_python_output
from videoflix.db.database import Database


def test_services_build_no_engine_and_load_no_driver_until_the_first_session():
    script = ("import sys; from videoflix.services import Services; from videoflix.settings import load_settings; "
              "s = Services.from_settings(load_settings({'SECRET_KEY': 'k' * 40, "
              "'DATABASE_URL': 'postgresql://nobody@127.0.0.1:1/none'})); "
              "print('pg8000' in sys.modules, s.db._engine is None); s.db.engine; print('pg8000' in sys.modules)")
    assert fresh_python_output(script).split() == ["False", "True", "True"]


def test_a_database_from_a_url_serves_sessions(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path}/lazy.sqlite3")
    with db.session() as session:
        assert session.execute(text("select 1")).scalar() == 1
    assert db.engine is db.engine
