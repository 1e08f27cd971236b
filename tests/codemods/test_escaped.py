"""Module names in Python's renderings of modules and in escaped text inside string literals
(forktool.codemods.python.escaped, through the Python codemod)."""

from __future__ import annotations

import pytest

from forktool.codemods.python.codemod import rename_python_source
from forktool.codemods.python.escaped import rename_escaped, rename_module_reprs
from forktool.model import RenameMap

from .maps import FLASK

# (before, after): one Python statement each, renamed as a module of the tests.
REPRS = [
    # Django's {% debug %} output: pprint of sys.modules
    ("x = \"'flask': <module 'flask' \"\n", "x = \"'framework': <module 'framework' \"\n"),
    (
        "x = \"<module 'flask' from '/venv/site-packages/flask/__init__.py'>\"\n",
        "x = \"<module 'framework' from '/venv/site-packages/framework/__init__.py'>\"\n",
    ),
    (
        "x = \"<module 'flask.json' from 'C:\\\\venv\\\\flask\\\\json\\\\__init__.py'>\"\n",
        "x = \"<module 'framework.json' from 'C:\\\\venv\\\\framework\\\\json\\\\__init__.py'>\"\n",
    ),
    ("x = \"No module named 'flask'\"\n", "x = \"No module named 'framework'\"\n"),
    (
        "x = \"cannot import name 'Xtemplate' from 'flask' (/src/flask/__init__.py)\"\n",
        "x = \"cannot import name 'Xtemplate' from 'framework' (/src/framework/__init__.py)\"\n",
    ),
    (
        "x = \"module 'flask' has no attribute 'nope'\"\n",
        "x = \"module 'framework' has no attribute 'nope'\"\n",
    ),
    # a key that is not the module's own name stays
    ("x = \"'app': <module 'flask'>\"\n", "x = \"'app': <module 'framework'>\"\n"),
    # unquoted: structlog's own message (tests/test_packaging.py), Python 2's ImportError
    (
        'x = "module flask has no attribute __yolo__"\n',
        'x = "module framework has no attribute __yolo__"\n',
    ),
    ('x = "No module named flask.app"\n', 'x = "No module named framework.app"\n'),
]

ESCAPED = [
    # HTML entities: Django's template_tests/syntax_tests/test_debug.py
    (
        'x = "&#x27;flask&#x27;: &lt;module &#x27;flask&#x27; "\n',
        'x = "&#x27;framework&#x27;: &lt;module &#x27;framework&#x27; "\n',
    ),
    (
        'x = "&#39;flask&#39;: &lt;module &#39;flask&#39;&gt;"\n',
        'x = "&#39;framework&#39;: &lt;module &#39;framework&#39;&gt;"\n',
    ),
    (
        'x = "No module named &quot;flask&quot;"\n',
        'x = "No module named &quot;framework&quot;"\n',
    ),
    # double escaping: &amp;#x27;
    (
        'x = "&amp;lt;module &amp;#x27;flask&amp;#x27;&amp;gt;"\n',
        'x = "&amp;lt;module &amp;#x27;framework&amp;#x27;&amp;gt;"\n',
    ),
    # backslash escapes held as text: JSON, a repr inside a string
    (
        "x = r'\\u0027flask\\u0027: <module \\u0027flask\\u0027>'\n",
        "x = r'\\u0027framework\\u0027: <module \\u0027framework\\u0027>'\n",
    ),
    (  # a repr of a message: the quotes escaped as text
        "x = \"No module named \\\\'flask\\\\'\"\n",
        "x = \"No module named \\\\'framework\\\\'\"\n",
    ),
    (
        'x = r\'{\\"target\\": \\"flask.app:create_app\\"}\'\n',
        'x = r\'{\\"target\\": \\"framework.app:create_app\\"}\'\n',
    ),
    # dotted module paths were renamed through entities before; still are
    ('x = "&#x27;flask.app&#x27;"\n', 'x = "&#x27;framework.app&#x27;"\n'),
]

LEFT = [
    # a plain word in escaped prose stays, as it does in plain prose
    'x = "Use flask &amp; friends, &quot;flask&quot; is a word"\n',
    'x = "&lt;b&gt;flask&lt;/b&gt;"\n',
    # a bare name in JSON says nothing about being a module
    'x = r\'{\\"name\\": \\"flask\\"}\'\n',
    # a repr of something else
    "x = \"<Module 'flask'>\"\n",
    "x = \"my module 'flask' has no attribute\"\n",  # not Python's message: 'my module'
    'x = "the module flask has no attribute"\n',  # prose, not the message
    'x = "No module named flasks"\n',  # another name
    # a regex: \b is not an escape here, and \. says nothing
    "x = r'\\bflask\\b'\n",
]


@pytest.mark.parametrize(("before", "after"), REPRS + ESCAPED)
def test_before_after(before: str, after: str) -> None:
    assert rename_python_source(before, FLASK) == after
    compile(after, "<after>", "exec")


@pytest.mark.parametrize("source", LEFT)
def test_left_alone(source: str) -> None:
    assert rename_python_source(source, FLASK) == source


def test_keep_list_and_other_packages() -> None:
    kept = RenameMap(packages={"flask": "framework"}, keep=("flask",))
    assert rename_module_reprs("<module 'flask'>", kept) == "<module 'flask'>"
    assert rename_module_reprs("<module 'flasky'>", FLASK) == "<module 'flasky'>"
    # a file that is not the module's own stays
    assert rename_module_reprs("<module 'flask' from '/x/other.py'>", FLASK) == (
        "<module 'framework' from '/x/other.py'>"
    )


def test_edits_that_would_need_escaping_fall_back_to_the_plain_rules() -> None:
    def quote_it(text: str) -> str:
        return text.replace("flask", "'flask'")

    # the plain rules run on the text as written when the change cannot be put back
    assert rename_escaped("&lt;flask&gt;", quote_it) == "&lt;'flask'&gt;"
    # no escapes: just the plain rules
    assert rename_escaped("flask", str.upper) == "FLASK"
    # an edit that starts inside what one reference stands for (two characters) is not made
    assert rename_escaped("&NotEqualTilde;flask", lambda t: t.replace("\u0338flask", "x")) == (
        "&NotEqualTilde;flask"
    )
