"""Documentation: documents, docstrings, code blocks in them, prose and command lines."""
