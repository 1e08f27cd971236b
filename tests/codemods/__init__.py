"""Tests for forktool.codemods (a package so module names cannot clash with other tests)."""
