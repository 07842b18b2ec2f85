"""Credentials are read only for the environments a run talks to."""

from __future__ import annotations

from pathlib import Path

import pytest
from apihelpers import Script, json_reply, run
from test_run_clients import config

from reconciler.errors import WfpromoteError
from reconciler.run import clients as factory


def test_unused_environment_needs_no_credentials(tmp_path: Path) -> None:
    cfg = config(tmp_path,
                 sandbox={"url": "https://acme.sb01.workfront.com", "kind": "sandbox",
                          "auth": {"apikey_env": "WF_SANDBOX_KEY"}},
                 production={"url": "https://acme.my.workfront.com", "kind": "production",
                             "auth": {"bearer_env": "WF_PROD_TOKEN"}})
    script = Script().on("GET", "/packages", json_reply({"data": []}))

    async def go() -> None:
        async with factory.open_clients(cfg, environ={"WF_SANDBOX_KEY": "zq-k-5678"},
                                        transport_factory=lambda n, e: script.transport()
                                        ) as clients:
            assert await clients["sandbox"].list_packages() == []
            with pytest.raises(WfpromoteError, match="WF_PROD_TOKEN"):
                clients["production"]

    run(go())
    assert len(script.requests) == 1
