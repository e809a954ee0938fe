"""The task layer: the only place that reads a config and wires stages together.

`registry.py` lists the tasks (`TASKS`: name -> module, `--help` line) and their schemas. Keep
these modules free of heavy top-level imports: the CLI reads `TASKS` at start-up.
"""

from minectl.tasks.registry import TASKS, schemas

__all__ = ["TASKS", "schemas"]
