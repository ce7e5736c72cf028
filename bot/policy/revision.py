"""The policy revision: a short hash of a policy directory's files, logged with every decision.

It covers ``policy.yaml``, ``people.yaml`` and ``cases/*.yaml``, keyed by their path relative
to the directory and with line endings unified, so the same policy has the same revision on
every machine and checkout.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

REVISION_LENGTH = 12


def policy_files(directory: Path) -> list[Path]:
    """The files that make up a policy, in a stable order."""
    main = [directory / "policy.yaml", directory / "people.yaml"]
    cases = sorted((directory / "cases").glob("*.yaml")) if (directory / "cases").is_dir() else []
    return [path for path in main if path.is_file()] + cases


def policy_revision(directory: Path) -> str:
    return revision_of(
        {_relative(path, directory): path.read_bytes() for path in policy_files(directory)}
    )


def revision_of(files: dict[str, bytes]) -> str:
    """Hash of ``{relative path: content}``; the order the files are given in does not matter."""
    digest = hashlib.sha256()
    for name in sorted(files):
        content = files[name].replace(b"\r\n", b"\n")
        digest.update(name.encode() + b"\0" + str(len(content)).encode() + b"\0" + content)
    return digest.hexdigest()[:REVISION_LENGTH]


def _relative(path: Path, directory: Path) -> str:
    return path.relative_to(directory).as_posix()
