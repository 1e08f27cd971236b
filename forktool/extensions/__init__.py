"""Extension compatibility runs (``forktool extensions``): each extension's own test suite,
run against the real upstream release and against the fork with its shim, compared test
by test.

``listing`` (``[extensions]``, ``--add``) → ``suites`` (the sdist downloaded, verified
and unpacked; its test dependencies, tests and pytest configuration found) →
``environments`` (one resolution, pip constraints, cached virtual environments) →
``runs`` (pytest with a JUnit XML report, a wall-clock limit, re-runs) → ``compare``
(outcomes and changes, StrEnums) → ``report`` (terminal, Markdown, JSON, HTML);
``orchestrator`` puts them together for a whole run, in parallel and by shard.
Nothing here prints; the CLI does.
"""
