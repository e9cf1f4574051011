"""Converter shims, one module per op family; importing this package registers them all.

Every module in this folder is imported, so adding a family is adding a file.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
