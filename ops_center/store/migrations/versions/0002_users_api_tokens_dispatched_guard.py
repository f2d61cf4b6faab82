"""users, api tokens, dispatched guard

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:42:00.664693
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('guard_id', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guard_id'], ['guards.id'], name='fk_users_guard_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('username'),
    sa.UniqueConstraint('guard_id')
    )
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guard_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_alarms_guard_id'), ['guard_id'], unique=False)
        batch_op.create_foreign_key('fk_alarms_guard_id', 'guards', ['guard_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('alarms', schema=None) as batch_op:
        batch_op.drop_constraint('fk_alarms_guard_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_alarms_guard_id'))
        batch_op.drop_column('guard_id')

    op.drop_table('users')
    op.drop_table('api_tokens')
