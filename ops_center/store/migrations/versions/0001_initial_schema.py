"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 01:37:12.381261
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('alarms',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('camera_id', sa.String(length=64), nullable=True),
    sa.Column('zone_name', sa.String(length=64), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('source_event_id', sa.String(length=36), nullable=True),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('frame_index', sa.Integer(), nullable=True),
    sa.Column('t_s', sa.Float(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snapshot_path', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.create_index('ix_alarms_raised_at', ['raised_at'], unique=False)
        batch_op.create_index('ix_alarms_status', ['status'], unique=False)

    op.create_table('camera_frames',
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('camera_id')
    )
    op.create_table('camera_heartbeats',
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('model_status', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('fps_read', sa.Float(), nullable=False),
    sa.Column('fps_processed', sa.Float(), nullable=False),
    sa.Column('frames_read', sa.Integer(), nullable=False),
    sa.Column('frames_processed', sa.Integer(), nullable=False),
    sa.Column('last_frame_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('camera_id')
    )
    op.create_table('cameras',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('detection_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('zone_name', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frame_index', sa.Integer(), nullable=True),
    sa.Column('t_s', sa.Float(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('box', sa.JSON(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('detection_events', schema=None) as batch_op:
        batch_op.create_index('ix_detection_events_camera_time', ['camera_id', 'occurred_at'], unique=False)

    op.create_table('environment_readings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('environment_readings', schema=None) as batch_op:
        batch_op.create_index('ix_environment_metric_at', ['metric', 'at'], unique=False)

    op.create_table('fire_devices',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('panel', sa.Integer(), nullable=False),
    sa.Column('loop', sa.Integer(), nullable=False),
    sa.Column('address', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('building', sa.String(length=100), nullable=False),
    sa.Column('floor', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('panel', 'loop', 'address')
    )
    op.create_table('guards',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('radio_channel', sa.String(length=20), nullable=False),
    sa.Column('post', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('merchants',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('opens', sa.String(length=5), nullable=False),
    sa.Column('closes', sa.String(length=5), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('parking_lots',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('map', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('traffic_readings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('road', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('congestion', sa.Integer(), nullable=False),
    sa.Column('speed_kmh', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('traffic_readings', schema=None) as batch_op:
        batch_op.create_index('ix_traffic_road_at', ['road', 'at'], unique=False)

    op.create_table('alarm_transitions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('alarm_id', sa.String(length=36), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['alarm_id'], ['alarms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alarm_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alarm_transitions_alarm_id'), ['alarm_id'], unique=False)

    op.create_table('fire_signals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['fire_devices.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fire_signals', schema=None) as batch_op:
        batch_op.create_index('ix_fire_signals_at', ['at'], unique=False)

    op.create_table('footfall',
    sa.Column('merchant_id', sa.String(length=64), nullable=False),
    sa.Column('minute', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('count_in', sa.Integer(), nullable=False),
    sa.Column('count_out', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merchant_id', 'minute', 'source')
    )
    with op.batch_alter_table('footfall', schema=None) as batch_op:
        batch_op.create_index('ix_footfall_minute', ['minute'], unique=False)

    op.create_table('parking_counts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('lot_id', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occupied', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['parking_lots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parking_counts', schema=None) as batch_op:
        batch_op.create_index('ix_parking_counts_lot_at', ['lot_id', 'at'], unique=False)

    op.create_table('parking_levels',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('lot_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['parking_lots.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parking_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parking_levels_lot_id'), ['lot_id'], unique=False)

    op.create_table('snapshots',
    sa.Column('alarm_id', sa.String(length=36), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alarm_id'], ['alarms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alarm_id')
    )
    op.create_table('zones',
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('polygon', sa.JSON(), nullable=False),
    sa.Column('min_frames', sa.Integer(), nullable=False),
    sa.Column('dwell_s', sa.Float(), nullable=False),
    sa.Column('cooldown_s', sa.Float(), nullable=False),
    sa.Column('exit_grace_s', sa.Float(), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['cameras.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('camera_id', 'name')
    )
    op.create_table('parking_spaces',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('level_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('occupied', sa.Boolean(), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=True),
    sa.Column('x', sa.Float(), nullable=False),
    sa.Column('y', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['level_id'], ['parking_levels.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parking_spaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parking_spaces_level_id'), ['level_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('parking_spaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parking_spaces_level_id'))

    op.drop_table('parking_spaces')
    op.drop_table('zones')
    op.drop_table('snapshots')
    with op.batch_alter_table('parking_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parking_levels_lot_id'))

    op.drop_table('parking_levels')
    with op.batch_alter_table('parking_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_parking_counts_lot_at')

    op.drop_table('parking_counts')
    with op.batch_alter_table('footfall', schema=None) as batch_op:
        batch_op.drop_index('ix_footfall_minute')

    op.drop_table('footfall')
    with op.batch_alter_table('fire_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_fire_signals_at')

    op.drop_table('fire_signals')
    with op.batch_alter_table('alarm_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alarm_transitions_alarm_id'))

    op.drop_table('alarm_transitions')
    with op.batch_alter_table('traffic_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_traffic_road_at')

    op.drop_table('traffic_readings')
    op.drop_table('parking_lots')
    op.drop_table('merchants')
    op.drop_table('guards')
    op.drop_table('fire_devices')
    with op.batch_alter_table('environment_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_environment_metric_at')

    op.drop_table('environment_readings')
    with op.batch_alter_table('detection_events', schema=None) as batch_op:
        batch_op.drop_index('ix_detection_events_camera_time')

    op.drop_table('detection_events')
    op.drop_table('cameras')
    op.drop_table('camera_heartbeats')
    op.drop_table('camera_frames')
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.drop_index('ix_alarms_status')
        batch_op.drop_index('ix_alarms_raised_at')

    op.drop_table('alarms')
    
