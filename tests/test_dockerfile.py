"""The Dockerfile's promises, read from the file (building the image takes minutes and a builder).

Issue 12: the image kept uv's download cache (184 MB of 528 MB) and reinstalled every dependency
when README.md changed. What is checked here: the dependencies come from a layer that only
pyproject.toml and uv.lock feed, no step leaves uv or its cache behind, the bot runs as a
numeric non-root user with a health check, and the build context leaves out local settings,
virtualenvs and test artefacts. The image itself was built with buildah and its health check
run against `should-ai serve` in it (see the commit that added this file).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments left out."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def _index(predicate: str) -> int:
    return next(i for i, (kw, args) in enumerate(_instructions()) if predicate in f"{kw} {args}")


def test_dependencies_are_installed_from_the_lock_alone_before_any_source() -> None:
    steps = _instructions()
    deps = _index("--no-install-project")
    copies = [(i, args) for i, (kw, args) in enumerate(steps) if kw == "COPY"]
    before = [args for i, args in copies if i < deps]
    assert before == ["pyproject.toml uv.lock ./"], before
    assert "--frozen" in steps[deps][1] and "--no-dev" in steps[deps][1]
    # The project itself is installed after its source is copied.
    project = next(
        i for i, (kw, args) in enumerate(steps) if i > deps and kw == "RUN" and "uv sync" in args
    )
    assert any(deps < i < project and "bot" in args for i, args in copies)


def test_no_step_leaves_uv_or_its_cache_in_the_image() -> None:
    steps = _instructions()
    env = " ".join(args for kw, args in steps if kw == "ENV")
    assert "UV_NO_CACHE=1" in env
    assert "UV_CACHE_DIR" not in env  # a cache directory would land in a layer
    uv_steps = [args for kw, args in steps if kw == "RUN" and "uv sync" in args]
    assert len(uv_steps) == 2, uv_steps  # the dependencies, then the project
    for args in uv_steps:
        assert "pip install --no-cache-dir" in args, args
        assert "rm -rf /tmp/uv" in args, f"uv stays in the image: {args}"
    assert not any(kw == "COPY" and "--from" in args and "uv" in args for kw, args in steps)


def test_nothing_is_chowned_recursively() -> None:
    # A chown -R copies every file it touches into a new layer (the warm caches twice over).
    assert not any(kw == "RUN" and "chown -R" in args for kw, args in _instructions())


def test_the_bot_runs_as_a_numeric_non_root_user_with_a_health_check() -> None:
    steps = _instructions()
    users = [args for kw, args in steps if kw == "USER"]
    assert users and re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]), users
    assert any(kw == "HEALTHCHECK" and "should-ai" in args for kw, args in steps)
    # The warm-up runs as that user, after the USER line: no cache file belongs to root.
    assert _index("USER") < _index("should-ai policy validate")


def test_the_build_context_leaves_out_settings_venvs_and_test_artefacts() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    wanted = {".env", ".venv", ".git", "**/__pycache__", ".pytest_cache", ".mypy_cache"}
    wanted |= {".ruff_cache", ".hypothesis", "tests", ".coverage"}
    assert wanted <= ignored, sorted(wanted - ignored)
