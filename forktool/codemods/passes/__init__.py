"""Tree-wide passes run once before the per-file codemods: where packages live
(:mod:`.roots`), which names reach a renamed symbol (:mod:`.reexports`), and which
subpackages read like file or host names (:mod:`.modules`)."""
