"""Start-up steps pause the cyclic garbage collector, and freeze what they made only for the process's own command."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ops_cli.startup import starting_up


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Whatever a test froze goes back to the collector afterwards."""
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_a_step_pauses_collection_and_resumes_it_as_it_was(unfrozen: None) -> None:
    with starting_up(freeze=False):
        assert not gc.isenabled()
        made = [[] for _ in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0 and len(made) == 1000
    gc.disable()
    try:
        with starting_up(freeze=False):
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_a_step_that_fails_resumes_collection_too(unfrozen: None) -> None:
    with pytest.raises(RuntimeError), starting_up(freeze=False):
        raise RuntimeError("a broken import")
    assert gc.isenabled()


def test_the_commands_own_start_up_is_frozen_and_later_steps_follow_it(unfrozen: None) -> None:
    with starting_up():  # no command froze its start-up (a test calling main with its argv): nothing frozen
        pass
    assert gc.get_freeze_count() == 0
    with starting_up(freeze=True):
        kept = [[] for _ in range(1000)]
    frozen = gc.get_freeze_count()
    assert frozen >= len(kept)
    with starting_up():  # loading the model after the command's own start-up froze
        more = [[] for _ in range(1000)]
    assert gc.get_freeze_count() >= frozen + len(more)
