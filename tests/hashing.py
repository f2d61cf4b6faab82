"""Test-only argon2 cost: the same argon2id hashing and checks, at the lowest cost argon2 allows.

Production hashes cost ~0.6 s of CPU each on this machine on purpose (``PasswordHasher()``'s
defaults: t=3, m=64 MiB, p=4); the suite creates and logs in hundreds of users, so a test run
hashes with ``TEST_HASHER`` instead. Checking a hash reads its cost from the hash itself; the hash
an unknown user's login is checked against is made by whichever hasher is in place.
``tests/test_auth.py`` asserts the production parameters and logs a user in with them
(``production_hasher``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher, Type

from ops_center.auth import users

PRODUCTION_HASHER = users._hasher
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)


def use_test_hasher() -> None:
    """Hash and check passwords at the lowest cost from now on, in this process."""
    users._hasher = TEST_HASHER


@contextmanager
def production_hasher() -> Iterator[PasswordHasher]:
    """The product's own hasher, in place while the block runs."""
    users._hasher = PRODUCTION_HASHER
    try:
        yield PRODUCTION_HASHER
    finally:
        use_test_hasher()
