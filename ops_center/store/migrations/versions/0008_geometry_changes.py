"""geometry changes: the zone editor's audit trail

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:45:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('geometry_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('geometry_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_geometry_changes_camera_id'), ['camera_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('geometry_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_geometry_changes_camera_id'))
    op.drop_table('geometry_changes')
