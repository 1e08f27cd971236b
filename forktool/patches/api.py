"""The API for codemod patches: the fork's customizations written as libcst codemods.

A codemod patch is a ``.py`` file in ``patches/<name>/`` that defines ``patch``, an instance
of :class:`CodemodPatch`. It runs on the *transformed* tree (after the rename), so it names
the new package (``src/framework/app.py``). Three ready-made patches cover most needs::

    # patches/flask/fork-greeting.py
    from forktool.patchapi import AddMethod

    patch = AddMethod(
        "src/framework/app.py",
        class_name="Flask",
        method='''
            def fork_greeting(self) -> str:
                return f"hello from {self.name}"
        ''',
    )

- :class:`AddMethod` adds a method to a class;
- :class:`ChangeDefault` changes the default value of a parameter, or of a key in a dict
  literal assigned to a name (e.g. ``Flask.default_config["MAX_CONTENT_LENGTH"]``);
- :class:`AddDecorator` wraps a function or method in a decorator.

Anything else: subclass :class:`CodemodPatch`, set ``targets`` and implement
:meth:`CodemodPatch.transform`. Raise :class:`NoMatch` when the code you patch is not
there, :class:`Upstreamed` when upstream already made the change; forktool reports both in
the series health (``no-match``, ``upstreamed``) instead of passing silently.
"""

from __future__ import annotations

import fnmatch
import textwrap
from collections.abc import Sequence

import libcst as cst

__all__ = ["AddDecorator", "AddMethod", "ChangeDefault", "CodemodPatch", "NoMatch", "Upstreamed"]


class NoMatch(Exception):
    """The code a patch changes is not in this file (renamed, moved or removed upstream)."""


class Upstreamed(Exception):
    """Upstream already contains what the patch would add: the patch can be dropped."""


class CodemodPatch:
    """Base class of codemod patches.

    Attributes:
        targets: paths in the transformed tree the patch applies to; shell wildcards
            allowed (``src/framework/*.py``).
        description: one line shown in ``forktool patch list`` (default: the class name).
    """

    targets: tuple[str, ...] = ()
    description: str = ""

    def matches(self, path: str) -> bool:
        """True when ``path`` (relative POSIX) is one of :attr:`targets`."""
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.targets)

    def transform(self, module: cst.Module, path: str) -> cst.Module:
        """Return the patched ``module`` (the file at ``path``).

        Raises:
            NoMatch: the code to patch is not in this file.
            Upstreamed: the file already has the change.
        """
        raise NotImplementedError


def _find_class(module: cst.Module, dotted: str) -> cst.ClassDef:
    body: Sequence[cst.BaseStatement] = module.body
    found: cst.ClassDef | None = None
    for part in dotted.split("."):
        found = next(
            (s for s in body if isinstance(s, cst.ClassDef) and s.name.value == part), None
        )
        if found is None:
            raise NoMatch(f"class {dotted} not found")
        body = found.body.body if isinstance(found.body, cst.IndentedBlock) else ()
    assert found is not None
    return found


class _Replace(cst.CSTTransformer):
    """Swap one node (found by identity) for another."""

    def __init__(self, old: cst.CSTNode, new: cst.CSTNode) -> None:
        super().__init__()
        self.old, self.new = old, new

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode:
        return self.new if original_node is self.old else updated_node


def _replace(module: cst.Module, old: cst.CSTNode, new: cst.CSTNode) -> cst.Module:
    return module.visit(_Replace(old, new))


def _find_function(module: cst.Module, dotted: str) -> cst.FunctionDef:
    owner, _, name = dotted.rpartition(".")
    body: Sequence[cst.BaseStatement] = module.body
    if owner:
        cls = _find_class(module, owner)
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    raise NoMatch(f"function {dotted} not found")


class AddMethod(CodemodPatch):
    """Add a method at the end of a class.

    Args:
        target: the file that defines the class.
        class_name: the class, dotted for a nested class (``Outer.Inner``).
        method: the method's source (``def`` with decorators; any indentation).

    ``upstreamed`` when the class already defines a method of that name.
    """

    def __init__(self, target: str, *, class_name: str, method: str) -> None:
        self.targets = (target,)
        self.class_name = class_name
        parsed = cst.parse_module(textwrap.dedent(method).strip() + "\n").body
        if len(parsed) != 1 or not isinstance(parsed[0], cst.FunctionDef):
            raise ValueError("method must be exactly one function definition")
        self.method = parsed[0]
        self.description = f"add {class_name}.{self.method.name.value}()"

    def transform(self, module: cst.Module, path: str) -> cst.Module:
        cls = _find_class(module, self.class_name)
        body = cls.body
        if not isinstance(body, cst.IndentedBlock):
            raise NoMatch(f"class {self.class_name} has no indented body")
        name = self.method.name.value
        if any(isinstance(s, cst.FunctionDef) and s.name.value == name for s in body.body):
            raise Upstreamed(f"{self.class_name}.{name} already exists")
        method = self.method.with_changes(
            leading_lines=[cst.EmptyLine(indent=False)] if body.body else []
        )
        new_body = body.with_changes(body=[*body.body, method])
        return _replace(module, cls, cls.with_changes(body=new_body))


class ChangeDefault(CodemodPatch):
    """Change a default value.

    Args:
        target: the file.
        name: a function or method (``Flask.run``) with ``parameter``; or a name bound to
            a dict literal (possibly wrapped in a call, like ``ImmutableDict({...})``) with
            ``key``.
        parameter: the parameter whose default changes (functions).
        key: the string key whose value changes (dicts).
        value: the new value, as Python source.

    ``upstreamed`` when the default already has that value.
    """

    def __init__(
        self,
        target: str,
        *,
        name: str,
        value: str,
        parameter: str | None = None,
        key: str | None = None,
    ) -> None:
        if (parameter is None) == (key is None):
            raise ValueError("give exactly one of parameter= or key=")
        self.targets = (target,)
        self.name, self.parameter, self.key = name, parameter, key
        self.value = cst.parse_expression(value)
        self.description = (
            f"default of {name}[{key!r}]" if key else f"default of {name}({parameter}=)"
        )

    def transform(self, module: cst.Module, path: str) -> cst.Module:
        if self.parameter is not None:
            return self._parameter(module, self.parameter)
        assert self.key is not None
        return self._dict_key(module, self.key)

    def _check(self, current: cst.BaseExpression) -> None:
        if cst.Module([]).code_for_node(current) == cst.Module([]).code_for_node(self.value):
            raise Upstreamed(f"{self.name} already defaults to the new value")

    def _parameter(self, module: cst.Module, parameter: str) -> cst.Module:
        function = _find_function(module, self.name)
        params = function.params
        for param in (*params.params, *params.kwonly_params):
            if param.name.value == parameter:
                if param.default is None:
                    raise NoMatch(f"{self.name}({parameter}) has no default")
                self._check(param.default)
                return _replace(module, param, param.with_changes(default=self.value))
        raise NoMatch(f"{self.name} has no parameter {parameter}")

    def _dict_key(self, module: cst.Module, key: str) -> cst.Module:
        owner, _, variable = self.name.rpartition(".")
        body: Sequence[cst.BaseStatement] = module.body
        if owner:
            cls = _find_class(module, owner)
            body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        for statement in body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                value = _assigned_value(small, variable)
                if value is None:
                    continue
                for element in _dict_elements(value):
                    if _string_value(element.key) == key:
                        self._check(element.value)
                        return _replace(module, element, element.with_changes(value=self.value))
                raise NoMatch(f"{self.name} has no key {key!r}")
        raise NoMatch(f"{self.name} is not assigned a dict here")


def _assigned_value(node: cst.CSTNode, variable: str) -> cst.BaseExpression | None:
    if isinstance(node, cst.Assign) and any(
        isinstance(t.target, cst.Name) and t.target.value == variable for t in node.targets
    ):
        return node.value
    if (
        isinstance(node, cst.AnnAssign)
        and isinstance(node.target, cst.Name)
        and node.target.value == variable
    ):
        return node.value
    return None


def _dict_elements(value: cst.BaseExpression) -> list[cst.DictElement]:
    """Elements of the dict literal ``value`` is, or wraps as a call's first argument."""
    if isinstance(value, cst.Call) and value.args:
        value = value.args[0].value
    if isinstance(value, cst.Dict):
        return [e for e in value.elements if isinstance(e, cst.DictElement)]
    return []


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


class AddDecorator(CodemodPatch):
    """Wrap a function or method in a decorator (the outermost one).

    Args:
        target: the file.
        function: the function, or ``Class.method``.
        decorator: the decorator expression, without ``@`` (``functools.lru_cache()``).
        imports: import statements the decorator needs, added after the module's
            imports unless already present (``"import functools"``).

    ``upstreamed`` when the function already has that decorator.
    """

    def __init__(self, target: str, *, function: str, decorator: str, imports: str = "") -> None:
        self.targets = (target,)
        self.function = function
        self.decorator = cst.Decorator(cst.parse_expression(decorator))
        self.imports = [s for s in cst.parse_module(textwrap.dedent(imports)).body]
        self.description = f"decorate {function} with @{decorator}"

    def transform(self, module: cst.Module, path: str) -> cst.Module:
        function = _find_function(module, self.function)
        code = cst.Module([]).code_for_node
        if any(code(d) == code(self.decorator) for d in function.decorators):
            raise Upstreamed(f"{self.function} already has the decorator")
        decorated = function.with_changes(decorators=[self.decorator, *function.decorators])
        module = _replace(module, function, decorated)
        present = {code(statement).strip() for statement in module.body}
        missing = [s for s in self.imports if code(s).strip() not in present]
        if not missing:
            return module
        position = _after_imports(module)
        return module.with_changes(
            body=[*module.body[:position], *missing, *module.body[position:]]
        )


def _after_imports(module: cst.Module) -> int:
    """Index just after the module docstring, ``__future__`` and the leading imports."""
    position = 0
    for index, statement in enumerate(module.body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, cst.Import | cst.ImportFrom | cst.Expr) for s in statement.body
        ):
            position = index + 1
        else:
            break
    return position
