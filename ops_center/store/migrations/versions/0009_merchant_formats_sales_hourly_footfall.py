"""merchants get a business format, a shop area and opening hours per weekday; daily sales; the
exact hourly roll-up of footfall kept by triggers

The free-text category stays (the site's finer kind); the format is derived from the categories the
demo used (anything else: retail, to be corrected by the site). The single opens/closes pair becomes
the same hours on all seven days. Columns are added and dropped in place (SQLite >= 3.35 drops a
column natively): rebuilding ``merchants`` on SQLite would cascade-delete its footfall.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

from ops_center.store import rollup

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_FORMATS = {
    'catering': ('restaurant', 'bakery', 'tea', 'cafe', 'catering'),
    'retail': ('supermarket', 'convenience', 'grocery', 'retail', 'shop'),
    'services': ('services', 'laundry', 'salon'),
    'education': ('education',),
    'fitness': ('fitness', 'gym'),
    'health': ('pharmacy', 'clinic'),
    'finance': ('bank',),
}
_ALL_DAY_WEEK = json.dumps(['10:00-22:00'] * 7)


def upgrade() -> None:
    op.add_column('merchants', sa.Column('business_format', sa.String(length=20), nullable=False,
                                         server_default='retail'))
    op.add_column('merchants', sa.Column('area_m2', sa.Float(), nullable=True))
    op.add_column('merchants', sa.Column('hours', sa.JSON(), nullable=False, server_default=_ALL_DAY_WEEK))
    merchants = sa.table('merchants', sa.column('id'), sa.column('category'), sa.column('opens'),
                         sa.column('closes'), sa.column('business_format'), sa.column('hours', sa.JSON()))
    conn = op.get_bind()
    by_category = {c: f for f, categories in _FORMATS.items() for c in categories}
    for merchant_id, category, opens, closes in conn.execute(
            sa.select(merchants.c.id, merchants.c.category, merchants.c.opens, merchants.c.closes)).all():
        conn.execute(merchants.update().where(merchants.c.id == merchant_id).values(
            business_format=by_category.get((category or '').lower(), 'retail'),
            hours=[f'{opens}-{closes}'] * 7,
        ))
    op.execute('ALTER TABLE merchants DROP COLUMN opens')
    op.execute('ALTER TABLE merchants DROP COLUMN closes')

    op.create_table('merchant_sales',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('revenue_cents', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'day')
    )
    op.create_index('ix_merchant_sales_day', 'merchant_sales', ['day'], unique=False)

    op.create_table('footfall_hourly',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('utc_minute', sa.BigInteger(), nullable=False),
    sa.Column('count_in', sa.Integer(), nullable=False),
    sa.Column('count_out', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'hour', 'source')
    )
    op.create_index('ix_footfall_hourly_hour', 'footfall_hourly', ['hour'], unique=False)
    rollup.install(conn, (rollup.HOURLY,), per_statement=False)


def downgrade() -> None:
    rollup.uninstall(op.get_bind())
    op.drop_index('ix_footfall_hourly_hour', table_name='footfall_hourly')
    op.drop_table('footfall_hourly')
    op.drop_index('ix_merchant_sales_day', table_name='merchant_sales')
    op.drop_table('merchant_sales')
    op.add_column('merchants', sa.Column('opens', sa.String(length=5), nullable=False, server_default='10:00'))
    op.add_column('merchants', sa.Column('closes', sa.String(length=5), nullable=False, server_default='22:00'))
    op.execute('ALTER TABLE merchants DROP COLUMN hours')
    op.execute('ALTER TABLE merchants DROP COLUMN area_m2')
    op.execute('ALTER TABLE merchants DROP COLUMN business_format')
