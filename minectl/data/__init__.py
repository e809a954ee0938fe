"""The data layer: sources -> validated canonical LazyFrames (docs/data-contract.md)."""

from minectl.data.mine import load_mine

__all__ = ["load_mine"]
