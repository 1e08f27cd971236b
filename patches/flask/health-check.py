"""Add ``Flask.add_health_check()``: one call serves a plain 200 for load balancers."""

from forktool.patchapi import AddMethod

patch = AddMethod(
    "src/framework/app.py",
    class_name="Flask",
    method='''
        def add_health_check(self, rule: str = "/healthz") -> None:
            """Serve ``ok`` with status 200 at ``rule``, for load balancers and probes.

            Added by the fork (patches/flask/health-check.py).
            """
            self.add_url_rule(
                rule, "health_check", lambda: ("ok", 200, {"Content-Type": "text/plain"})
            )
    ''',
)
