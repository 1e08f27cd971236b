"""The new names: what the user gives (:func:`parse_names`) and what is decided (:func:`decide`).

The ``--package``, ``--dist`` and ``--script`` values are checked (:func:`check_package`,
:func:`check_distribution`, :func:`check_script`), then combined with the guesses into the
rename map: missing names are derived from the given ones (:func:`derive`) or asked for.
Nothing here prints or prompts: questions go through an :data:`Ask` callback the CLI
provides (or None: no questions, missing names are errors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name

from forktool import config as config_mod
from forktool.errors import ConfigError
from forktool.model import RenameMap
from forktool.scaffold.guessing import DIST_NAME, Guess

#: Asks the user one question: ``ask(prompt, default, check)`` returns the answer, after
#: ``check`` accepted it (``check`` returns the cleaned answer or raises ForktoolError).
#: ``default`` None means there is none: an answer is required.
Ask = Callable[[str, str | None, Callable[[str], str]], str]


@dataclass(frozen=True)
class Names:
    """The new names as given on the command line (not yet checked against the guesses).

    Attributes:
        packages: ``--package OLD=NEW`` pairs, in order.
        bare_package: ``--package NEW`` (only valid alone, with one guessed package).
        distribution: ``--dist NEW``.
        scripts: ``--script OLD=NEW`` pairs.
        skipped: ``--skip OLD``: guessed import packages to leave out of the rename.
    """

    packages: Mapping[str, str] = field(default_factory=dict)
    bare_package: str | None = None
    distribution: str | None = None
    scripts: Mapping[str, str] = field(default_factory=dict)
    skipped: frozenset[str] = frozenset()


def parse_names(
    packages: Iterable[str],
    distribution: str | None,
    scripts: Iterable[str],
    skipped: Iterable[str] = (),
) -> Names:
    """Check the syntax of ``--package``, ``--dist``, ``--script`` and ``--skip`` values.

    Raises:
        ConfigError: a value is not OLD=NEW (or NEW for one ``--package``), a name is not
            a valid module path or distribution/script name, or OLD equals NEW.
    """
    pairs: dict[str, str] = {}
    bare: list[str] = []
    for value in packages:
        old, sep, new = (part.strip() for part in value.partition("="))
        if not sep:
            bare.append(check_package(old, None, "--package"))
            continue
        if not old or not new:
            raise ConfigError(
                f"--package {value!r} is not OLD=NEW", "write e.g. --package flask=framework"
            )
        check_package(old, None, "--package", role="old")
        pairs[old] = check_package(new, old, "--package")
    if bare and (pairs or len(bare) > 1):
        raise ConfigError(
            "--package NEW (without OLD=) goes alone",
            "name each package: --package OLD=NEW for every package to rename",
        )
    script_pairs: dict[str, str] = {}
    for value in scripts:
        old, sep, new = (part.strip() for part in value.partition("="))
        if not sep or not old or not new:
            raise ConfigError(
                f"--script {value!r} is not OLD=NEW", "write e.g. --script flask=framework"
            )
        script_pairs[check_script(old, None)] = check_script(new, old)
    skip = frozenset(check_package(old.strip(), None, "--skip", role="old") for old in skipped)
    if skip & set(pairs):
        both = ", ".join(sorted(skip & set(pairs)))
        raise ConfigError(f"{both} is both renamed and skipped", "drop its --skip or its --package")
    return Names(
        packages=pairs,
        bare_package=bare[0] if bare else None,
        distribution=check_distribution(distribution, None) if distribution else None,
        scripts=script_pairs,
        skipped=skip,
    )


def check_package(new: str, old: str | None, option: str = "--package", role: str = "new") -> str:
    """``new`` if it is a dotted module path (``framework``, ``acme.web``) other than ``old``.

    The rule is :func:`forktool.config.module_path_problem`, the one the upstream
    definition's ``[rename.packages]`` is checked with.

    Raises:
        ConfigError: not a valid module path (or a Python keyword), or the same as ``old``.
    """
    new = new.strip()
    problem = config_mod.module_path_problem(new)
    if problem:
        why = "" if problem.startswith("is not") else f": it {problem}"
        raise ConfigError(
            f"{option}: {new!r} is not a valid {role} import package name{why}",
            "use a Python module path such as framework or acme.web",
        )
    if new == old:
        raise ConfigError(
            f"{option}: the new name of package {old!r} is its old name",
            f"give {old} a different new name, e.g. {option} {old}={old}2",
        )
    return new


def check_distribution(new: str, old: str | None) -> str:
    """``new`` if it is a valid distribution name that differs from ``old`` (PEP 503).

    Raises:
        ConfigError: not a valid name, or the same name as ``old`` once normalized.
    """
    new = new.strip()
    if not DIST_NAME.match(new):
        raise ConfigError(
            f"--dist: {new!r} is not a valid distribution name",
            "use letters, digits, '.', '_' and '-', e.g. --dist Framework",
        )
    if old is not None and canonicalize_name(new) == canonicalize_name(old):
        raise ConfigError(
            f"--dist: {new!r} is the upstream's own distribution name ({old})",
            "the fork needs its own name so both can be installed: pass --dist NEW",
        )
    return new


def check_script(new: str, old: str | None) -> str:
    """``new`` if it is a valid console script name other than ``old``.

    Raises:
        ConfigError: not a valid name, or the same as ``old``.
    """
    new = new.strip()
    if not DIST_NAME.match(new):
        raise ConfigError(
            f"--script: {new!r} is not a valid console script name",
            "use letters, digits, '.', '_' and '-', e.g. --script flask=framework",
        )
    if new == old:
        raise ConfigError(
            f"--script: the new name of script {old!r} is its old name",
            f"give it a different name, or leave out --script {old}=...",
        )
    return new


def derive(name: str, renames: Mapping[str, str]) -> str | None:
    """``name`` with the first old name it contains replaced by its new name, or None.

    ``derive("django-admin", {"django": "dj2"}) == "dj2-admin"``. Old names are tried as
    written, then lower-cased; a result equal to ``name`` counts as none.
    """
    for old, new in renames.items():
        for before, after in ((old, new), (old.lower(), new.lower())):
            if before and before in name:
                derived = name.replace(before, after)
                if derived != name:
                    return derived
    return None


def decide(guessed: Guess, names: Names, ask: Ask | None) -> tuple[RenameMap, tuple[str, ...]]:
    """Combine the guesses with the names given, asking for what is missing.

    Every guessed package not skipped (``--skip OLD``) needs a new name: from ``--package
    OLD=NEW``, a lone ``--package NEW`` when exactly one package is left, or an answer.
    The distribution defaults to the first new package name, each script to its name with
    the old package (or distribution) name replaced; a script whose new name cannot be
    derived keeps its name.

    Args:
        ask: asks the user (see :data:`Ask`); None: never ask, missing names are errors.

    Returns:
        (the rename map, notes: one line per thing the user should know, e.g. a script
        left with its old name).

    Raises:
        ConfigError: a guessed package has no new name and there is no one to ask, a lone
            ``--package NEW`` meets several (or no) guessed packages, or the names clash.
    """
    packages = _decide_packages(guessed, names, ask)
    first_new = next(iter(packages.values()))
    old_dist = guessed.distribution
    if names.distribution is not None:
        new_dist = check_distribution(names.distribution, old_dist)
    else:
        default = first_new if DIST_NAME.match(first_new) else None
        if ask is not None:
            new_dist = ask(
                f"New distribution name for {old_dist} (pip install NAME)",
                default,
                lambda answer: check_distribution(answer, old_dist),
            )
        else:
            assert default is not None  # a module path is a valid distribution name
            new_dist = check_distribution(default, old_dist)
    notes: list[str] = []
    scripts = dict(names.scripts)
    renames = {**packages, old_dist: new_dist}
    for script in guessed.scripts:
        if script in scripts:
            continue
        derived = derive(script, renames)
        if ask is not None:
            answer = ask(
                f"New name for console script {script}"
                + ("" if derived else " (empty: keep the name)"),
                derived or "",
                _script_check(script),
            )
            derived = answer or None
        if derived is None:
            notes.append(
                f"console script {script} keeps its name (pass --script {script}=NEW to rename it)"
            )
        else:
            scripts[script] = derived
    table: dict[str, Any] = {
        "packages": packages,
        "distributions": {old_dist: new_dist},
        "scripts": scripts,
        "keep": list(guessed.entry_point_groups),
    }
    return config_mod.parse_rename(table, "the new names"), tuple(notes)


def _decide_packages(guessed: Guess, names: Names, ask: Ask | None) -> dict[str, str]:
    packages: dict[str, str] = {}
    unknown = sorted(names.skipped - set(guessed.packages))
    if unknown:
        found = ", ".join(guessed.packages) or "none"
        raise ConfigError(
            f"--skip {unknown[0]}: no such package was guessed (guessed: {found})",
            "skip only guessed packages",
        )
    wanted = [old for old in guessed.packages if old not in names.skipped]
    if names.bare_package is not None:
        if len(wanted) != 1:
            found = ", ".join(wanted) or "none"
            raise ConfigError(
                f"--package {names.bare_package} needs exactly one guessed import package "
                f"(guessed: {found})",
                "name the old package too (--package OLD=NEW), or --skip the others",
            )
        packages[wanted[0]] = check_package(names.bare_package, wanted[0])
    if not wanted and not names.packages:
        if ask is None or names.skipped:
            raise ConfigError(
                "could not guess the import package (no top_level.txt, no package in the "
                "build configuration, no directory with __init__.py)",
                "name it: --package OLD=NEW",
            )
        wanted = [ask("Import package to rename (the name you import)", None, _check_old)]
    packages.update(names.packages)
    missing = [old for old in wanted if old not in packages]
    if missing and ask is None:
        raise ConfigError(
            f"no new name for the import package{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}",
            "pass " + " ".join(f"--package {old}=NEW" for old in missing),
        )
    for old in missing:
        assert ask is not None
        default = derive(old, packages) if packages else None
        packages[old] = ask(
            f"New import package name for {old} (import NAME)",
            default,
            _package_check(old),
        )
    # The main package (the guessed one first) leads: it names the fork.
    order = [old for old in wanted if old in packages] + [p for p in packages if p not in wanted]
    return {old: packages[old] for old in order}


def _package_check(old: str) -> Callable[[str], str]:
    def check(answer: str) -> str:
        return check_package(answer, old)

    return check


def _script_check(old: str) -> Callable[[str], str]:
    def check(answer: str) -> str:
        return check_script(answer, old) if answer.strip() else ""

    return check


def _check_old(answer: str) -> str:
    return check_package(answer, None, "package", role="old")
