"""HTML reports of run and sweep folders (`minectl report`, and report.html at the end of every run).

Callers import the modules by name: `minectl.report.page` (build and write a report),
`minectl.report.figures` (the interactive plots of each task), `minectl.report.formats`
(units and number formats).
"""

__all__ = ["figures", "formats", "page"]
