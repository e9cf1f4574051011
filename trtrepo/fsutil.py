"""Atomic, contained file operations for the repository.

A model directory is built complete in a staging folder on the same filesystem and then swapped in
with one rename, so a reader (Triton, ``serve``) or a crash sees either the old or the new model.
Staging folders live in the cache folder when it shares the repository's filesystem: Triton takes
every folder of a repository for a model, hidden or not, and refuses to start beside one that is
not. Whatever a killed build leaves behind, the next build removes (or puts back) under the lock.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from trtrepo.errors import RepositoryError, RepositoryLockedError

STAGING_PREFIX = ".trtrepo-staging-"
OLD_PREFIX = ".trtrepo-old-"  # a replaced model directory, while the new one moves in
PROBE_PREFIX = ".trtrepo-probe-"
_RENAME_EXCHANGE = 2  # linux/fs.h


def _renameat2() -> object | None:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    return getattr(libc, "renameat2", None)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    fn = _renameat2()
    if fn is None:
        return False
    at_fdcwd = -100
    result = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)  # type: ignore[operator]
    if result != 0:
        err = ctypes.get_errno()
        if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: filesystem cannot exchange
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


@contextmanager
def staging_directory(parent: Path, label: str) -> Iterator[Path]:
    """A fresh hidden folder inside ``parent``, removed afterwards unless it was published."""
    stage = parent / f"{STAGING_PREFIX}{label}-{uuid.uuid4().hex[:8]}"
    stage.mkdir()
    try:
        yield stage
    finally:
        if stage.exists() and not stage.is_symlink():
            shutil.rmtree(stage, ignore_errors=True)


def publish_directory(stage: Path, target: Path) -> Path:
    """Put ``stage`` at ``target``; an existing ``target`` is replaced in one atomic step."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise RepositoryError(f"refusing to replace {target}: it is a {'symlink' if target.is_symlink() else 'file'}, "
                              "not a model folder trtrepo wrote; move it away and build again")
    if not target.exists():
        os.rename(stage, target)
        _sync_directory(target.parent)
        return target
    if exchange(stage, target):
        _sync_directory(target.parent)
        shutil.rmtree(stage)  # after the swap, stage holds the old model
        return target
    # Fallback for filesystems without RENAME_EXCHANGE: a brief window with no model directory,
    # which remove_stale_staging() closes again if the build dies inside it.
    old = stage.parent / f"{OLD_PREFIX}{target.name}-{uuid.uuid4().hex[:8]}"
    os.rename(target, old)
    os.rename(stage, target)
    _sync_directory(target.parent)
    shutil.rmtree(old)
    return target


def _sync_directory(folder: Path) -> None:
    """fsync a directory, so a rename in it survives a power cut (not needed against a kill)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_staging(parent: Path, repository: Path | None = None) -> list[Path]:
    """Clear what an interrupted build left in ``parent``; returns what was removed.

    A replaced model directory whose successor never arrived (a build killed between the two
    renames of the fallback path) is moved back into ``repository`` instead: the old version is
    complete, and better than none.
    """
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    repository = repository or parent
    for entry in parent.iterdir():
        if entry.is_symlink() or not entry.name.startswith((STAGING_PREFIX, OLD_PREFIX, PROBE_PREFIX)):
            continue
        if entry.name.startswith(OLD_PREFIX) and entry.is_dir():
            home = repository / entry.name[len(OLD_PREFIX):].rsplit("-", 1)[0]
            if not home.exists() and not home.is_symlink():
                os.rename(entry, home)
                continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def staging_area_path(repository: Path, cache_dir: Path) -> Path:
    """The cache folder that stages model directories for ``repository`` (one per repository)."""
    return cache_dir / "staging" / hashlib.sha256(str(repository.resolve()).encode()).hexdigest()[:16]


@contextmanager
def staging_area(repository: Path, cache_dir: Path) -> Iterator[Path]:
    """The folder to stage this repository's model directories in, cleared of stale leftovers.

    A folder of ``cache_dir`` keyed by the repository's path, when a rename from there into the
    repository works (same filesystem and mount); otherwise the repository itself. Hold the
    repository lock around it: the leftovers of a live build must not be taken for stale ones.
    """
    area = staging_area_path(repository, cache_dir)
    cache_created = not cache_dir.exists()
    try:
        area.mkdir(parents=True, exist_ok=True)
        usable = not any(p.is_symlink() for p in (area, area.parent)) and _renames_between(area, repository)
    except OSError:
        usable = False
    chosen = area if usable else repository
    remove_stale_staging(repository)
    if usable:
        remove_stale_staging(area, repository)
    try:
        yield chosen
    finally:
        _remove_empty(area, area.parent, *([cache_dir] if cache_created else []))


def _remove_empty(*folders: Path) -> None:
    for folder in folders:
        try:
            folder.rmdir()  # fails, harmlessly, unless empty (another build may be staging there)
        except OSError:
            return


def _renames_between(source: Path, target: Path) -> bool:
    """True when a rename from ``source`` into ``target`` works (no EXDEV across mounts)."""
    probe = source / f"{PROBE_PREFIX}{uuid.uuid4().hex[:8]}"
    probe.touch()
    try:
        os.rename(probe, target / probe.name)
    except OSError:
        probe.unlink(missing_ok=True)
        return False
    (target / probe.name).unlink()
    return True


@contextmanager
def repository_lock(repository: Path, timeout: float, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the repository's build lock; a second build waits for it, then gives up with a message.

    The lock is ``flock`` on the repository directory itself, so locking writes no file into it,
    and the kernel releases it when the holder dies: a killed build never blocks the next one.
    A repository folder created here is removed again if nothing was published into it.
    """
    created = not repository.exists()
    repository.mkdir(parents=True, exist_ok=True)
    fd = os.open(repository, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not announced and on_wait is not None:
                    on_wait(f"waiting for another build to release {repository} (up to {timeout:g} s)")
                    announced = True
                if time.monotonic() >= deadline:
                    raise RepositoryLockedError(
                        f"{repository} is locked by another trtrepo build; waited {timeout:g} s. "
                        "Retry when it finishes, or raise --lock-timeout.") from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
        if created and repository.is_dir() and not any(repository.iterdir()):
            repository.rmdir()
