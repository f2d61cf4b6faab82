"""environment index for the latest reading per station and metric

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:01:36.545312
"""

from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('environment_readings', schema=None) as batch_op:
        batch_op.create_index('ix_environment_station_metric_at', ['station', 'metric', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('environment_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_environment_station_metric_at')

