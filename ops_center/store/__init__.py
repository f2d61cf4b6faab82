"""The shared store: typed SQLAlchemy models, engine set-up, migrations and the write API."""
