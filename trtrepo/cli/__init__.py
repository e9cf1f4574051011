"""The ``trtrepo`` command line: thin click commands over the library functions.

``group`` holds the click group and what the commands share; each other module adds its commands to
it when imported here.
"""

from trtrepo.cli import build, compare, serve, tools  # noqa: F401  (they register their commands)
from trtrepo.cli.group import main

__all__ = ["main"]
