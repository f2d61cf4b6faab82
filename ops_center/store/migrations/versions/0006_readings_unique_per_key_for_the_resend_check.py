"""readings are unique per road (station, metric) and time: the index serves the resend check

Ingest skips a resent traffic or environment reading by inserting with ON CONFLICT DO NOTHING on
these unique indexes (one statement per batch, concurrent writers of the same reading store it
once); duplicates stored before are dropped first, keeping the first stored. The environment index
on (metric, at) served a loose index scan the wall no longer makes, and goes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:00:00
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM traffic_readings WHERE id NOT IN (SELECT MIN(id) FROM traffic_readings GROUP BY road, at)")
    op.execute(
        "DELETE FROM environment_readings WHERE id NOT IN "
        "(SELECT MIN(id) FROM environment_readings GROUP BY station, metric, at)"
    )
    with op.batch_alter_table('traffic_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_traffic_road_at')
        batch_op.create_index('ux_traffic_road_at', ['road', 'at'], unique=True)
    with op.batch_alter_table('environment_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_environment_station_metric_at')
        batch_op.drop_index('ix_environment_metric_at')
        batch_op.create_index('ux_environment_station_metric_at', ['station', 'metric', 'at'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('environment_readings', schema=None) as batch_op:
        batch_op.drop_index('ux_environment_station_metric_at')
        batch_op.create_index('ix_environment_metric_at', ['metric', 'at'], unique=False)
        batch_op.create_index('ix_environment_station_metric_at', ['station', 'metric', 'at'], unique=False)
    with op.batch_alter_table('traffic_readings', schema=None) as batch_op:
        batch_op.drop_index('ux_traffic_road_at')
        batch_op.create_index('ix_traffic_road_at', ['road', 'at'], unique=False)
