"""heartbeat: store reachable, alarms waiting in the worker's outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('camera_heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_reachable', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('alarms_waiting', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('camera_heartbeats', schema=None) as batch_op:
        batch_op.drop_column('alarms_waiting')
        batch_op.drop_column('store_reachable')
