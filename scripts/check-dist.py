"""Check the release files that ``python -m build`` wrote: what they contain and say.

    python scripts/check-dist.py DIST_DIR

Run from a git checkout (CI's clone).  It checks that

* the sdist carries every file git tracks, except the CI set-up (.ci/, .git*), and
  nothing else but the metadata setuptools adds, so the tests, the documentation,
  the examples and the benchmarks run from an unpacked sdist;
* the wheel carries exactly the tracked files under aiohttp_cors/ (``py.typed`` and
  any data file included), and nothing else but its .dist-info;
* the wheel's metadata says what aiohttp_cors/__about__.py and setup.cfg say: name,
  version, summary, author, SPDX license expression and license file, the Python
  versions, the long description (DESCRIPTION.rst) and, only when ``__uri__`` is set,
  the home page.

twine check --strict, run before this, checks that the long description renders.
Exit status 0 when all is right, 1 with the list of problems otherwise.
"""

from __future__ import annotations

import email.parser
import re
import runpy
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = (".ci/", ".git")


def ci_pythons() -> set[str]:
    """The Python versions CI runs the suite under (SUPPORTED_PYTHONS in .ci/run)."""
    text = (ROOT / ".ci" / "run").read_text()
    match = re.search(r"^SUPPORTED_PYTHONS=\(([^)]*)\)", text, flags=re.MULTILINE)
    if match is None:
        raise SystemExit("no SUPPORTED_PYTHONS=(...) line in .ci/run")
    return set(match.group(1).split())


def tracked_files() -> set[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return {name for name in listing.split("\0") if name and not name.startswith(NOT_SHIPPED)}


def the_one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        sys.exit(f"expected one {pattern} in {dist}, found {[p.name for p in found]}")
    return found[0]


def sdist_problems(sdist: Path, tracked: set[str]) -> list[str]:
    with tarfile.open(sdist) as archive:
        top, *_ = archive.getnames()[0].split("/")
        files = {
            member.name.removeprefix(f"{top}/")
            for member in archive.getmembers()
            if member.isfile()
        }
    extra = {
        name
        for name in files - tracked
        if name != "PKG-INFO" and not name.startswith("aiohttp_cors.egg-info/")
    }
    problems = [f"sdist lacks {name}" for name in sorted(tracked - files)]
    problems += [f"sdist has untracked {name}" for name in sorted(extra)]
    return problems


def wheel_problems(wheel: Path, tracked: set[str]) -> tuple[list[str], Message]:
    with zipfile.ZipFile(wheel) as archive:
        files = set(archive.namelist())
        info = [name for name in files if name.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(archive.read(info[0]).decode())
    package = {name for name in tracked if name.startswith("aiohttp_cors/")}
    shipped = {name for name in files if ".dist-info/" not in name}
    problems = [f"wheel lacks {name}" for name in sorted(package - shipped)]
    problems += [f"wheel has {name}, not a tracked package file" for name in shipped - package]
    if "aiohttp_cors/py.typed" not in shipped:
        problems.append("wheel lacks aiohttp_cors/py.typed: type checkers would ignore it")
    return problems, metadata


def metadata_problems(metadata: Message) -> list[str]:
    about = runpy.run_path(str(ROOT / "aiohttp_cors" / "__about__.py"))
    wanted: dict[str, str | None] = {
        "Name": about["__title__"],
        "Version": about["__version__"],
        "Summary": about["__summary__"],
        "Author": about["__author__"],
        "Author-email": about["__email__"] or None,
        "License-Expression": "Apache-2.0",
        "License-File": "LICENSE",
        "License": None,  # superseded by License-Expression (PEP 639)
        "Requires-Python": ">=3.10",
        "Description-Content-Type": "text/x-rst",
    }
    problems = [
        f"metadata {field}: {metadata.get(field)!r}, expected {value!r}"
        for field, value in wanted.items()
        if metadata.get(field) != value
    ]
    urls = metadata.get_all("Project-URL") or []
    expected_urls = [f"Homepage, {about['__uri__']}"] if about["__uri__"] else []
    if urls != expected_urls:
        problems.append(f"metadata Project-URL: {urls}, expected {expected_urls}")
    classifiers = set(metadata.get_all("Classifier") or [])
    python = "Programming Language :: Python :: "
    versions = {c.removeprefix(python) for c in classifiers if c.startswith(python + "3.")}
    if versions != ci_pythons():
        problems.append(
            f"classifiers claim Python {sorted(versions)}, CI runs {sorted(ci_pythons())}"
        )
    problems += [
        f"classifier {c!r} next to License-Expression"
        for c in classifiers
        if c.startswith("License ::")
    ]
    description = metadata.get_payload()
    assert isinstance(description, str)
    if description.strip() != (ROOT / "DESCRIPTION.rst").read_text().strip():
        problems.append("the long description is not DESCRIPTION.rst")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.exit(__doc__)
    dist = Path(argv[0])
    tracked = tracked_files()
    problems = sdist_problems(the_one(dist, "*.tar.gz"), tracked)
    wheel, metadata = wheel_problems(the_one(dist, "*.whl"), tracked)
    problems += wheel + metadata_problems(metadata)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"release files in {dist}: contents and metadata as expected")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
