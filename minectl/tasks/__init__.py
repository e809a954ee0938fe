"""The task layer: the only place that reads a config and wires stages together.

Each entry gives a CLI command `minectl <name>` running the Hydra primary config
`minectl/conf/<name>.yaml` through the module's `run(cfg, run)`; the module's `Config`
dataclass is its schema. Keep these modules free of heavy top-level imports.
"""

# name -> (module, one-line help shown by `minectl --help`)
TASKS: dict[str, tuple[str, str]] = {
    "demo": ("minectl.tasks.demo", "Run the full-cost pipeline on the embedded synthetic mine and show its figures."),
}
