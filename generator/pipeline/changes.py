"""The few git questions the CLI asks: what changed since a ref, and a file's text at a ref.

``check --changed-since REF`` must never be weaker than a full ``check`` on what the range touched:

* every path is read NUL-separated (``-z``): no quoting of non-ASCII or odd names;
* deletions and renames count (a rename is a deletion plus an addition); a deleted settings file leaves
  an orphaned folder or a stale deploy/, which ``check`` reports whatever overlays it was asked about;
* a change to a repo-level input — ``gitops.yaml``, the schemas, the templates, the tool itself or its
  pinned version (pyproject, requirements, pre-commit config) — widens the run to every overlay.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError
from generator.layout import SETTINGS_FILE
from generator.write.discovery import discover, overlay_holding, select

# Paths whose change can change every overlay's output or verdict: files, and prefixes (folders, pin files).
REPO_INPUT_FILES = ("gitops.yaml", "pyproject.toml", "setup.cfg", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml")
REPO_INPUT_PREFIXES = ("schemas/", "templates/", "generator/", "requirements", "constraints")


def is_repo_input(path: str) -> bool:
    return path in REPO_INPUT_FILES or path.startswith(REPO_INPUT_PREFIXES)


def _git(root: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60,
                              text=True, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise UsageError("git is not installed, but this option needs it", rule="git") from None
    if proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        raise UsageError(f"git {' '.join(args)}: {message}", rule="git")
    return proc.stdout


def _paths(output: str) -> list[str]:
    return [p for p in output.split("\0") if p]


def repo_prefix(root: Path) -> str:
    """``root`` relative to the top of its git work tree ('' when it is the top)."""
    return _git(root, "rev-parse", "--show-prefix").strip()


def verify_ref(root: Path, ref: str, option: str) -> None:
    """A usage error naming ``ref`` unless it names a commit of the repository at ``root``."""
    repo_prefix(root)  # not a git repository: git's own message says so
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
                           f"{ref}^{{commit}}"], capture_output=True, check=False, timeout=60)
    if proc.returncode != 0:
        raise UsageError(f"{option} {ref!r} is not a commit in this repository", rule="bad-ref",
                         hint="name a branch, tag or commit, e.g. origin/main (in CI, fetch it first)")


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    try:
        return subprocess.Popen(["git", "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        raise UsageError("git is not installed, but this option needs it", rule="git") from None


def _output(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=60)
    except BaseException:  # a timeout or an interrupt: no git left running
        proc.kill()
        proc.wait()
        raise
    return proc.returncode, out, err


class PendingFiles:
    """:func:`changed_files` started: its three git questions run side by side (start-up: each is a process) --
    the prefix with the ref's check (:func:`repo_prefix` and :func:`verify_ref` in one call), the diff, and the
    untracked files -- while the caller goes on (``check --changed-since`` walks ``overlays/`` meanwhile);
    :meth:`result` waits for them, :meth:`cancel` ends any still running."""

    QUERIES = (("rev-parse", "--show-prefix", "--verify", "--quiet", "--end-of-options", "{ref}^{{commit}}"),
               ("diff", "--name-only", "-z", "--no-renames", "{ref}", "--", "."),
               ("ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", "."))

    def __init__(self, root: Path, ref: str) -> None:
        self.root, self.ref = root, ref
        self.queries = [tuple(a.format(ref=ref) if "{ref}" in a else a for a in q) for q in self.QUERIES]
        self.procs: list[subprocess.Popen[str]] = []
        try:
            for args in self.queries:
                self.procs.append(_start(root, *args))
        except BaseException:
            self.cancel()
            raise

    def cancel(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def result(self) -> list[str]:
        """Root-relative paths changed between the ref and the working tree (see :func:`changed_files`)."""
        try:
            results = [_output(proc) for proc in self.procs]
        finally:
            self.cancel()
        code, out, _ = results[0]
        if code != 0:  # git's own message for "not a repository", else the bad ref named
            verify_ref(self.root, self.ref, "--changed-since")
            raise UsageError(f"--changed-since {self.ref!r}: git rev-parse exit {code}", rule="git")
        prefix = out.split("\n")[0].strip()
        names: list[str] = []
        for args, (code, out, err) in zip(self.queries[1:], results[1:], strict=True):
            if code != 0:
                message = err.strip().splitlines()[-1] if err.strip() else f"exit {code}"
                raise UsageError(f"git {' '.join(args)}: {message}", rule="git")
            names += _paths(out)
        return sorted({n[len(prefix):] if prefix and n.startswith(prefix) else n for n in names})


def changed_files(root: Path, ref: str) -> list[str]:
    """Root-relative paths changed between ``ref`` and the working tree (committed, staged, unstaged, untracked,
    deleted; a rename counts as both its old and its new path)."""
    return PendingFiles(root, ref).result()


@dataclass(frozen=True)
class ChangeSet:
    overlays: list[str]  # repo-relative overlays to check
    widened_by: str | None = None  # the repo-level input whose change made every overlay count


def changed_overlays(root: Path, ref: str, patterns: list[str], changed: list[str] | None = None) -> ChangeSet:
    """Overlays (limited to ``patterns``) that the range ``ref``..working tree touched, or all of them when it
    touched a repo-level input. Folders without settings and deploy/ are checked by every ``check`` anyway.
    ``changed``: the changed paths when the caller already has them (a :class:`PendingFiles` result)."""
    if changed is None:
        changed = changed_files(root, ref)
    widened_by = next((c for c in changed if is_repo_input(c)), None)
    if widened_by is None and not patterns:
        # No walk of the whole tree: the overlay holding each changed path, found along that path alone.
        touched = {o.rel: o.rel.split("/") for c in changed if (o := overlay_holding(root, c)) is not None}
        return ChangeSet(sorted(touched, key=touched.__getitem__))  # discover's order
    overlays = select(root, discover(root), patterns)
    if widened_by is not None:
        return ChangeSet([o.rel for o in overlays], widened_by)
    return ChangeSet([o.rel for o in overlays if any(c == o.rel or c.startswith(o.rel + "/") for c in changed)])


def show(root: Path, ref: str, path: str) -> bytes | None:
    """Bytes of root-relative ``path`` at ``ref``, or None when it did not exist there."""
    prefix = repo_prefix(root)
    proc = subprocess.run(["git", "-C", str(root), "show", f"{ref}:{prefix}{path}"], capture_output=True,
                          check=False, timeout=60)
    return proc.stdout if proc.returncode == 0 else None


def settings_paths_at(root: Path, ref: str) -> list[str]:
    """Root-relative settings files under overlays/ at ``ref``."""
    verify_ref(root, ref, "--base")
    prefix = repo_prefix(root)
    listing = _paths(_git(root, "ls-tree", "-r", "-z", "--name-only", ref, "--", f"{prefix}overlays"))
    return sorted(n[len(prefix):] for n in listing if n.endswith("/" + SETTINGS_FILE))


def files_at(root: Path, ref: str, folder: str) -> list[str]:
    """Root-relative files under ``folder`` at ``ref`` (none when it did not exist there)."""
    prefix = repo_prefix(root)
    listing = _paths(_git(root, "ls-tree", "-r", "-z", "--name-only", ref, "--", f"{prefix}{folder}"))
    return sorted(n[len(prefix):] for n in listing)
