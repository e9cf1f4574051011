"""The Jinja templates of ``templates/``: config.pbtxt for a plan, model.py for the Python backend.

Templates are found inside the installed package (the wheel ships them as ``trtrepo/templates``)
or, in a source checkout, in the repository's ``templates/`` folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2


@cache
def template_env() -> jinja2.Environment:
    """The one Jinja environment: a missing value is an error, never an empty string."""
    package_dir = Path(__file__).parent
    search = [package_dir / "templates", package_dir.parent / "templates"]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search if p.is_dir()]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **values: Any) -> str:
    """The text of ``templates/<template>`` with ``values``."""
    return template_env().get_template(template).render(**values)
