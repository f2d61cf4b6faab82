"""Alembic environment: runs on the connection handed over by ``ops_center.store.migrate``."""

from alembic import context
from sqlalchemy import create_engine

from ops_center.store.engine import normalize_url
from ops_center.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # `alembic -x url=... revision --autogenerate` from a developer's shell
    url = normalize_url(context.get_x_argument(as_dictionary=True)["url"])
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
