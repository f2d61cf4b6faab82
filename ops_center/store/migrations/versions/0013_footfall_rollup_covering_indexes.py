"""the footfall roll-ups' time indexes cover what the analytics read (merchant, source, start in
minutes, visitors in, minute buckets): a range of hours or days is read from the index alone, no
look-up of each row in the table (SQLite skip-scanned the primary key and looked every row up)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 01:00:00
"""

from alembic import op

revision = '0013'
down_revision = '0011'  # TEMP until 0012 lands on main
branch_labels = None
depends_on = None

_COVERED = ('merchant_id', 'source', 'utc_minute', 'count_in', 'minutes')


def upgrade() -> None:
    op.create_index('ix_footfall_hourly_hour_sums', 'footfall_hourly', ['hour', *_COVERED], unique=False)
    op.drop_index('ix_footfall_hourly_hour', table_name='footfall_hourly')
    op.create_index('ix_footfall_daily_day_sums', 'footfall_daily', ['day', *_COVERED], unique=False)
    op.drop_index('ix_footfall_daily_day', table_name='footfall_daily')


def downgrade() -> None:
    op.create_index('ix_footfall_daily_day', 'footfall_daily', ['day'], unique=False)
    op.drop_index('ix_footfall_daily_day_sums', table_name='footfall_daily')
    op.create_index('ix_footfall_hourly_hour', 'footfall_hourly', ['hour'], unique=False)
    op.drop_index('ix_footfall_hourly_hour_sums', table_name='footfall_hourly')
