"""Simulated fire, parking, commerce, guard, traffic and environment data for the demo.

The simulator writes the same tables real ingestion fills, so every panel reads real rows:
``seed`` fills a history, ``LiveSimulator.tick`` (or ``run_forever``) keeps it moving and
``load_shop_history`` extends the shops' history back in the background.
"""

from ops_center.simulator.runner import LiveSimulator, SeedSummary, load_shop_history, run_forever, seed

__all__ = ["LiveSimulator", "SeedSummary", "load_shop_history", "run_forever", "seed"]
