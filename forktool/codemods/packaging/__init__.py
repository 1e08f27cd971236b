"""Packaging files: ``pyproject.toml``, INI files, requirements and metadata, ``uv.lock``."""
