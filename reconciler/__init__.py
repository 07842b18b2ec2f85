"""wfpromote: a declarative GitOps reconciler for Workfront Environment Promotion packages."""

import sys as _sys
from importlib.machinery import ModuleSpec as _ModuleSpec

__version__ = "0.1.0"


class _HttpxCliStandIn:  # a meta path finder and loader (importlib.abc costs 40 ms to import)
    """`import httpx` also imports its command-line client (`httpx._main`, which pulls in rich
    and pygments when they are installed: tens of milliseconds). wfpromote never runs that
    client, so when httpx asks for it, a stand-in module is given whose ``main`` loads the
    real client on first call."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        return _ModuleSpec(fullname, self) if fullname == "httpx._main" else None  # type: ignore[arg-type]

    def create_module(self, spec: _ModuleSpec) -> None:
        return None

    def exec_module(self, module: object) -> None:
        def main(*args: object, **kwargs: object) -> object:
            import importlib

            if self in _sys.meta_path:
                _sys.meta_path.remove(self)  # type: ignore[arg-type]
            _sys.modules.pop("httpx._main", None)
            return importlib.import_module("httpx._main").main(*args, **kwargs)

        module.main = main  # type: ignore[attr-defined]


if "httpx" not in _sys.modules:
    _sys.meta_path.insert(0, _HttpxCliStandIn())  # type: ignore[arg-type]
