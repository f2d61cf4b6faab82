"""``python -m tests.cli_main ARGS``: the ``ops-center`` command, as ``python -m ops_cli.main ARGS`` runs
it, with passwords hashed and checked at the suite's low argon2 cost (tests/hashing.py).

For the tests that run the account commands in a subprocess: each such process would otherwise spend
~0.6 s of CPU on argon2's production cost for its unknown-user hash at import, and as much again on
every password it sets. ``ops_center.auth.users`` makes its hasher and that hash at import, so they
are made at the low cost here, before it is imported; the production parameters are checked in
``tests/test_auth.py``.
"""

from __future__ import annotations

import sys

import argon2

_production = argon2.PasswordHasher
argon2.PasswordHasher = lambda: _production(time_cost=1, memory_cost=8, parallelism=1)  # type: ignore[assignment,misc]
try:
    import ops_center.auth.users  # noqa: F401  (its hasher and unknown-user hash, at the low cost)
finally:
    argon2.PasswordHasher = _production  # type: ignore[misc]

from ops_cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
