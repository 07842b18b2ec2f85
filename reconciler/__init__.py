"""wfpromote: a declarative GitOps reconciler for Workfront Environment Promotion packages."""

import sys as _sys

__version__ = "0.1.0"


def _without_httpx_cli() -> None:
    """`import httpx` also imports its command-line client (`httpx._main`, which pulls in rich
    and pygments when they are installed: tens of milliseconds). wfpromote never runs that
    client, so its module is stood in for until someone calls it: then the real one loads."""
    if "httpx" in _sys.modules or "httpx._main" in _sys.modules:
        return
    import types

    stand_in = types.ModuleType("httpx._main")

    def main(*args: object, **kwargs: object) -> object:
        import importlib

        _sys.modules.pop("httpx._main", None)
        return importlib.import_module("httpx._main").main(*args, **kwargs)

    stand_in.main = main  # type: ignore[attr-defined]
    _sys.modules["httpx._main"] = stand_in


_without_httpx_cli()
