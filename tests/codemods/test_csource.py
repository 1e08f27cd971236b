"""Golden pairs for C sources of extension modules (forktool.codemods.python.csource)."""

from __future__ import annotations

import textwrap

from forktool.codemods.python.csource import rename_c_source

from .maps import FLASK, REQUESTS


def test_module_path_strings_only() -> None:
    before = textwrap.dedent(
        """\
        static PyTypeObject T = { "flask._speedups.Scanner" };
        /* "flask.x" in a comment stays */
        dep = import_dependency("flask.errors", "Error");  // "flask.y" too
        PyDoc_STRVAR(doc, "flask speedups\\n");
        char q = '"'; const char *name = "flask";
        const char *kept = "flask.commands";
        """
    )
    after = before.replace('"flask._speedups.Scanner"', '"framework._speedups.Scanner"')
    after = after.replace('"flask.errors"', '"framework.errors"')
    assert rename_c_source(before, FLASK) == after


def test_other_map() -> None:
    assert rename_c_source('m = "requests.packages";\n', REQUESTS) == 'm = "fetcher.packages";\n'


def test_quoted_includes_of_package_headers_follow_the_package() -> None:
    before = textwrap.dedent(
        """\
        #include "flask/sysdep.h"
        #  include "src/flask/pack.h"
        #include <flask/system.h>
        #include "sysdep.h"
        #include "tests/flask/x.h"
        #include "../flask/errors.h"
        const char *path = "flask/data.h";
        """
    )
    after = before.replace('"flask/sysdep.h"', '"framework/sysdep.h"')
    after = after.replace('"../flask/errors.h"', '"../framework/errors.h"')
    after = after.replace('"src/flask/pack.h"', '"src/framework/pack.h"')
    assert rename_c_source(before, FLASK) == after
