"""The real work of converters: small functions with explicit keyword arguments.

Shims in ``convert/ops`` unpack an ATen call's arguments and call one of these.
"""
