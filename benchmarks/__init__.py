"""forktool's performance benchmark: ``.venv/bin/python -m benchmarks``.

Modules: :mod:`benchmarks.inputs` (sdists from PyPI, cached), :mod:`benchmarks.measure`
(one measurement in a fresh process, printed as a JSON line), :mod:`benchmarks.runner`
(starting those processes), :mod:`benchmarks.floor` (libcst parse + codegen),
:mod:`benchmarks.rename_command` (libcst's RenameCommand), :mod:`benchmarks.forks`
(``forktool sync`` through the CLI), :mod:`benchmarks.stats` and :mod:`benchmarks.report`
(summaries, the table and ``results.json``). See ``benchmarks/README.md``.
"""
