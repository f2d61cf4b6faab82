"""heartbeat: frames the detector ran on (motion gating)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('camera_heartbeats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frames_inferred', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('camera_heartbeats', schema=None) as batch_op:
        batch_op.drop_column('frames_inferred')
