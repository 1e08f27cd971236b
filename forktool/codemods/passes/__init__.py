"""Tree-wide passes run once before the per-file codemods: where packages live
(:mod:`.roots`), which names reach a renamed symbol (:mod:`.reexports`), which
subpackages read like file or host names (:mod:`.modules`), where a package lies beside
``pyproject.toml`` for build back-ends that find it by name (:mod:`.layout`), and which
parameters of the tree's functions hold module names (:mod:`.module_parameters`)."""
