"""on SQLite the footfall roll-ups' time indexes cover what the analytics read (merchant, source,
start in minutes, visitors in, minute buckets): a range of hours or days is read from the index
alone, with no look-up of each row (SQLite skip-scanned the primary key and looked every row up:
a 90-day range took 160 ms of CPU to group, 47 ms now); and the hourly roll-up's merchant index
(merchant, hour, visitors in) sums a merchant's local day as one range, with no sort of the
period's hours (a 90-day series per merchant and day: 16 ms against 45). PostgreSQL keeps its time indexes: its
index scan of the same range costs about what an index-only scan does, and an index without the
sums keeps the triggers' updates of them HOT

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 01:00:00
"""

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_COVERED = ('merchant_id', 'source', 'utc_minute', 'count_in', 'minutes')
_TABLES = (('footfall_hourly', 'hour'), ('footfall_daily', 'day'))


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, column in _TABLES:
        op.create_index(f'ix_{table}_{column}_sums', table, [column, *_COVERED], unique=False)
        op.drop_index(f'ix_{table}_{column}', table_name=table)
    op.create_index('ix_footfall_hourly_merchant_sums', 'footfall_hourly', ['merchant_id', 'hour', 'count_in'],
                    unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.drop_index('ix_footfall_hourly_merchant_sums', table_name='footfall_hourly')
    for table, column in _TABLES:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)
        op.drop_index(f'ix_{table}_{column}_sums', table_name=table)
