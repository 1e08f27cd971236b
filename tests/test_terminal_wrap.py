"""Long lines on a terminal wrap between words at its width; a path or a command is never
split, and piped output keeps one line per item."""

from __future__ import annotations

import io

from rich.console import Console

from forktool.conflicts.render import _rich_text, print_wrapped

PATH = "/home/maintainer/forks/framework/src/framework/sessions_and_cookies/interface.py"
TEXT = (
    f"resolve the hunk in `{PATH}` (see each hunk), then `git add src/framework/sessions.py` "
    "and run `forktool sync flask --continue` when every conflicted path is resolved"
)


def _printed(*, terminal: bool, width: int = 60) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, color_system=None)
    print_wrapped(console, _rich_text("  to do: ", TEXT, "green"))
    return buffer.getvalue().splitlines()


def test_a_long_line_wraps_between_words_at_the_terminal_width() -> None:
    lines = _printed(terminal=True)
    assert len(lines) > 3
    for line in lines:
        assert len(line) <= 60 or line.strip() == PATH + ""
    # the words come back in order, nothing lost or cut
    assert " ".join(line.strip() for line in lines) == "to do: " + TEXT.replace("`", "")


def test_paths_and_commands_are_never_split() -> None:
    lines = _printed(terminal=True)
    assert any(PATH in line for line in lines)
    assert any("forktool sync flask --continue" in line for line in lines)
    assert any("git add src/framework/sessions.py" in line for line in lines)
    assert not any("\u00a0" in line for line in lines)


def test_continuation_lines_are_indented_past_the_first_line() -> None:
    lines = _printed(terminal=True)
    assert lines[0].startswith("  to do:")
    assert all(line.startswith("    ") for line in lines[1:])


def test_piped_output_keeps_one_line_per_item() -> None:
    lines = _printed(terminal=False)
    assert lines == ["  to do: " + TEXT.replace("`", "")]
