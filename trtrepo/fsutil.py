"""Atomic, contained file operations for the repository.

A model directory is built complete in a staging folder on the same filesystem and then swapped in
with one rename, so a reader (Triton, ``serve``) or a crash sees either the old or the new model.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from trtrepo.errors import RepositoryLockedError

STAGING_PREFIX = ".trtrepo-staging-"
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
    if target.is_symlink():
        raise OSError(f"refusing to replace symlink {target}")
    if not target.exists():
        os.rename(stage, target)
        return target
    if exchange(stage, target):
        shutil.rmtree(stage)  # after the swap, stage holds the old model
        return target
    # Fallback for filesystems without RENAME_EXCHANGE: a brief window with no model directory.
    old = target.with_name(f"{STAGING_PREFIX}old-{target.name}-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    os.rename(stage, target)
    shutil.rmtree(old)
    return target


def remove_stale_staging(parent: Path) -> list[Path]:
    """Delete staging folders left by an interrupted build; returns what was removed."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for entry in parent.iterdir():
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


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
