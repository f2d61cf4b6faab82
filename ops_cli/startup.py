"""Starting up without the cyclic garbage collector walking, again and again, what start-up makes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def starting_up(*, freeze: bool | None = None) -> Iterator[None]:
    """Run a start-up step (importing a command's modules, loading the model) with cyclic garbage collection paused.

    Start-up makes hundreds of thousands of objects that live as long as the process (modules,
    classes, the model), and every collection after it walks them all again while Ultralytics,
    torch and torchvision load: ``ops-center replay`` started 1.3-1.7 s after a plain script with
    the same model, 0.8 s with the command's modules frozen, 0.2 s with the model's too
    (``bench.replay_startup``, 2-core machine). With ``freeze`` they are kept out of every later
    collection (``gc.freeze``): for the process's own command, not for a caller that goes on (a
    test), whose objects would never be collected once they are garbage; ``None``: as the
    process's first step did (a later step, such as loading the model). Reference counting frees
    what start-up drops either way; the collector resumes as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze or (freeze is None and gc.get_freeze_count() > 0):
            gc.freeze()
        if was_enabled:
            gc.enable()
