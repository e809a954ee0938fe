"""Production scheduling: MineLib files, the verifier, ultimate pit, CPIT/PCPSP schedules, the
synthetic block model, the ML-fed loop and stope-extension economics (seed 004)."""

# The public surface: the modules the task imports by name (none is imported here, so a caller
# loads only the modules, and libraries, it uses).
__all__ = ["minelib", "verify", "upit", "cpit", "blockmodel", "loop", "stope", "plots"]
