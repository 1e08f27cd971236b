"""The module-parameter pass reused across releases (issue 20): what it read of the last
tree is kept (forktool.codemods.passes.observed); on the next tree the kept result is used
only when every probe answers the same on every file that changed, and then it is the
result a whole run gives. Each edit below is a kind of change a release makes."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from forktool.codemods.passes.module_parameters import expand_module_parameters
from forktool.codemods.passes.observed import Kept, Reads, blob_ids
from forktool.model import FileEntry, Tree
from forktool.transform.cache import TransformCache
from forktool.transform.tree import transform_tree

from .maps import FLASK
from .test_module_parameters import BEFORE, PACKAGE, tree_of


class MemoryStore:
    """A KeptStore in memory; every load goes through JSON, as the cache's does."""

    def __init__(self) -> None:
        self.text: str | None = None
        self.loaded: Kept | None = None
        self.saved: Kept | None = None

    def load(self, files: Mapping[str, str]) -> Kept | None:  # the last saved, whatever files
        self.loaded = None if self.text is None else Kept.from_json(json.loads(self.text))
        self.saved = None
        return self.loaded

    def save(self, kept: Kept) -> None:
        self.saved = kept
        self.text = json.dumps(kept.to_json())

    @property
    def reused(self) -> bool:
        """The last run used the record it loaded (saving it again for a new tree, or
        not at all for the same tree) instead of running the pass (which saves anew)."""
        return self.loaded is not None and (
            self.saved is None or self.saved.reads is self.loaded.reads
        )


def base() -> Tree:
    return tree_of({**PACKAGE, "tests/test_loaders.py": BEFORE})


def edit(path: str, change: Callable[[str], str]) -> Callable[[Tree], Tree]:
    def apply(tree: Tree) -> Tree:
        return {**tree, path: FileEntry(change(tree[path].data.decode()).encode())}

    return apply


def add(path: str, text: str) -> Callable[[Tree], Tree]:
    return lambda tree: {**tree, path: FileEntry(textwrap.dedent(text).encode())}


def remove(path: str) -> Callable[[Tree], Tree]:
    return lambda tree: {key: entry for key, entry in tree.items() if key != path}


LOADERS = "src/flask/loaders.py"

#: name -> (the release's change, whether the kept result may be used)
RELEASES: dict[str, tuple[Callable[[Tree], Tree], bool]] = {
    "a version number in a module the pass reads": (
        edit("src/flask/__init__.py", lambda text: text + '__version__ = "2.0"\n'),
        True,
    ),
    "a body edit that leaves what the pass reads": (
        edit(LOADERS, lambda text: text.replace('name = "flask_" + name', 'name = "x_" + name')),
        True,
    ),
    "a comment inside a function the pass follows": (
        edit(LOADERS, lambda text: text.replace("    target = pkg", "    target = pkg  # why")),
        True,
    ),
    "a new module that mentions nothing": (
        add("src/flask/util.py", "def helper(value):\n    return value\n"),
        True,
    ),
    "an unrelated file elsewhere": (add("docs/conf.py", "project = 'x'\n"), True),
    "a body edit of a same-named function nobody shows": (
        edit("tests/helpers.py", lambda text: text.replace("upper", "lower")),
        True,
    ),
    "lines added above the functions the pass follows": (
        edit(LOADERS, lambda text: '"""Loaders."""\n\n' + text),
        False,
    ),
    "a sink removed": (
        edit(
            LOADERS,
            lambda text: text.replace(
                "def find(name):\n    import_module(name)", "def find(name):\n    print(name)"
            ),
        ),  # fmt: skip
        False,
    ),
    "a parameter renamed on the way": (
        edit(LOADERS, lambda text: text.replace("target = pkg", "target = pkg + '.x'")),
        False,
    ),
    "another definition of a shown name": (
        add("tests/other.py", "class PackageLoader:\n    pass\n"),
        False,
    ),
    "a new wrapper of a shown function": (
        add(
            "src/flask/wrap.py",
            "from .loaders import make_loader\n\n\ndef wrap(pkg):\n    return make_loader(pkg)\n",
        ),  # fmt: skip
        False,
    ),
    "a module the pass read removed": (remove("src/flask/chain.py"), False),
    "a module the pass read no longer parses": (
        edit("src/flask/chain.py", lambda text: text + "def broken(:\n"),
        False,
    ),
    "a re-export removed": (
        edit(
            "src/flask/__init__.py",
            lambda text: text.replace("PackageLoader as PackageLoader", "make_loader as make"),
        ),
        False,
    ),
    "a module the pass read becomes a symbolic link": (
        lambda tree: {**tree, LOADERS: FileEntry(b"other.py", symlink=True)},
        False,
    ),
}


@pytest.mark.parametrize("name", sorted(RELEASES))
def test_the_kept_result_is_what_a_whole_run_gives(name: str) -> None:
    change, reusable = RELEASES[name]
    before, after = base(), change(base())
    store = MemoryStore()
    first = expand_module_parameters(before, FLASK, store)
    assert first.module_parameters and store.text is not None
    second = expand_module_parameters(after, FLASK, store)
    whole = expand_module_parameters(after, FLASK)
    assert second == whole
    assert store.reused is reusable
    if not reusable and name != "a module the pass read becomes a symbolic link":
        assert whole != first  # the change matters: reusing would have been wrong
    # and the record kept after it serves the release after it the same way
    third = expand_module_parameters(after, FLASK, store)
    assert store.reused and third == whole


def test_a_chain_of_releases_reuses_where_it_may() -> None:
    store = MemoryStore()
    tree = base()
    expand_module_parameters(tree, FLASK, store)
    for name in sorted(RELEASES):
        change, _ = RELEASES[name]
        if "symbolic" in name or "removed" in name:
            continue
        tree = change(tree)
        assert expand_module_parameters(tree, FLASK, store) == expand_module_parameters(tree, FLASK)


def test_a_damaged_record_is_as_good_as_none() -> None:
    store = MemoryStore()
    expand_module_parameters(base(), FLASK, store)
    damaged = json.loads(store.text or "")
    damaged["files"] = {path: "0" * 40 for path in damaged["files"]}  # every file changed
    unknown = dict(damaged, answers=[["no such probe", "", False, {}]])
    bad_context = dict(
        damaged, answers=[["parsed", "not JSON", True, {path: "x"}] for path in damaged["files"]]
    )
    bad_pattern = dict(damaged, answers=[["matches", "(", False, {}]])
    for text in (
        "[]",
        '{"files": 1}',
        '{"files": {}, "answers": [[1, 2]], "result": {}}',
        *(json.dumps(record) for record in (unknown, bad_context, bad_pattern)),
    ):
        store.text = text
        assert expand_module_parameters(base(), FLASK, store) == expand_module_parameters(
            base(), FLASK
        )
        assert not store.reused


def test_the_record_lives_in_the_transform_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through transform_tree and its SQLite cache: kept, found again, and not used with
    FORKTOOL_NO_SHORTCUTS=1; a record of another rename map is never used."""
    path = tmp_path / "transform.sqlite3"
    before = base()
    after = RELEASES["a version number in a module the pass reads"][0](before)
    with TransformCache(path) as cache:
        transform_tree(before, FLASK, cache=cache, jobs=1)
    with TransformCache(path) as cache:
        rows = cache._connect().execute("SELECT pass, key FROM kept").fetchall()
        assert [name for name, _ in rows] == ["module-parameters"]
        kept = cache.kept("module-parameters", rows[0][1]).load({})
        assert kept is not None and LOADERS in kept.files
        assert cache.kept("module-parameters", "another map").load({}) is None
        fresh = transform_tree(after, FLASK, jobs=1)
        assert transform_tree(after, FLASK, cache=cache, jobs=1) == fresh
        monkeypatch.setenv("FORKTOOL_NO_SHORTCUTS", "1")
        cache._connect().execute("DELETE FROM kept")
        assert transform_tree(after, FLASK, cache=cache, jobs=1) == fresh
        assert cache._connect().execute("SELECT count(*) FROM kept").fetchone() == (0,)


def test_a_tree_seen_before_finds_its_own_record(tmp_path: Path) -> None:
    """A replay goes over releases the cache has seen: each finds its own record (not only
    the one saved last), and at most the limit are kept, the least recently used going."""
    trees = [base()] + [change(base()) for change, _ in RELEASES.values()]
    with TransformCache(tmp_path / "transform.sqlite3") as cache:
        store = cache.kept("module-parameters", "a map")
        saved = []
        for tree in trees:
            kept = Kept(blob_ids(tree), Reads(), {"tree": len(saved)})
            store.save(kept)
            saved.append(kept)
        for number, kept in enumerate(saved):
            found = store.load(kept.files)
            assert found is not None and found.result == {"tree": number}
        newest = store.load({"no such": "tree"})
        assert newest is not None and newest.result == {"tree": len(saved) - 1}
        store.load(saved[0].files)  # used last of the first ones: it stays
        for extra in range(60):  # with the first and three more: 64, the limit
            store.save(Kept({"x.py": str(extra)}, Reads(), {"extra": extra}))
        count = cache._connect().execute("SELECT count(*) FROM kept").fetchone()[0]
        assert count == 64
        found = store.load(saved[0].files)
        assert found is not None and found.result == {"tree": 0}
        gone = store.load(saved[1].files)  # the record used last instead
        assert gone is not None and gone.result == {"tree": 0}


# -- found by review: each failed on the first version --------------------------------

FINDER = """\
    from importlib import import_module


    def find(name):
        import_module(name)
    """
BROKEN = """\
    from importlib import import_module


    def oops(:
    """


def test_a_read_module_that_does_not_parse_then_changes() -> None:
    """A module the pass read but could not parse (3.12 syntax under 3.11), changed: its
    probe is answered again (this raised, and every later sync with it)."""
    a = tree_of({"src/flask/loaders.py": FINDER, "src/flask/broken.py": BROKEN})
    b = tree_of({"src/flask/loaders.py": FINDER, "src/flask/broken.py": BROKEN + "# 2.0\n"})
    store = MemoryStore()
    expand_module_parameters(a, FLASK, store)
    assert expand_module_parameters(b, FLASK, store) == expand_module_parameters(b, FLASK)


def test_a_read_module_that_does_not_parse_then_is_fixed() -> None:
    fixed = BROKEN.replace("def oops(:", "def oops(name):\n        import_module(name)")
    a = tree_of({"src/flask/loaders.py": FINDER, "src/flask/broken.py": BROKEN})
    b = tree_of({"src/flask/loaders.py": FINDER, "src/flask/broken.py": fixed})
    store = MemoryStore()
    expand_module_parameters(a, FLASK, store)
    assert expand_module_parameters(b, FLASK, store) == expand_module_parameters(b, FLASK)


def test_the_crash_through_transform_tree_and_its_cache(tmp_path: Path) -> None:
    a = tree_of({"src/flask/loaders.py": FINDER, "src/flask/broken.py": BROKEN})
    b = tree_of({"src/flask/loaders.py": FINDER, "src/flask/broken.py": BROKEN + "# 2.0\n"})
    path = tmp_path / "transform.sqlite3"
    with TransformCache(path) as cache:
        transform_tree(a, FLASK, cache=cache, jobs=1)
    with TransformCache(path) as cache:
        assert transform_tree(b, FLASK, cache=cache, jobs=1) == transform_tree(b, FLASK, jobs=1)


#: The sink is in the __init__ of the module-level C.
OUTER = """\
    from importlib import import_module
    class C:
        # class C
        def __init__(self, name):
            import_module(name)
        class C:
            def __init__(self, name):
                pass
    """
#: The same lines, but the sink is in the __init__ of the nested C (not module level).
INNER = """\
    from importlib import import_module
    class C:
        class C:
            def __init__(self, name):
                import_module(name)
        # class C
        def __init__(self, name):
            pass
    """


def test_which_class_a_method_belongs_to() -> None:
    """Two modules alike in every line and name but for which class ``C`` a method is in:
    the digest names the class by its key, not its name (the kept result had
    ``flask.nest.C`` proven where a whole run has not)."""
    a = tree_of({"src/flask/nest.py": OUTER})
    b = tree_of({"src/flask/nest.py": INNER})
    store = MemoryStore()
    first = expand_module_parameters(a, FLASK, store)
    assert "flask.nest.C" in first.module_parameters
    whole = expand_module_parameters(b, FLASK)
    assert "flask.nest.C" not in whole.module_parameters
    assert expand_module_parameters(b, FLASK, store) == whole


def test_a_record_with_no_answers_and_a_result_that_is_not_a_table() -> None:
    """A record with no probes holds on any tree: a result that is not a table makes it
    as good as none."""
    tree = tree_of({"src/flask/loaders.py": FINDER})
    store = MemoryStore()
    for text in ('{"files": {}, "answers": [], "result": []}',
                 '{"files": {}, "answers": [], "result": {"find": [[0]]}}'):  # fmt: skip
        store.text = text
        assert expand_module_parameters(tree, FLASK, store) == expand_module_parameters(tree, FLASK)
