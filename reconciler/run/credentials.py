"""Before apply writes anything: every credential the plan needs is there, and accepted.

Clients read their credentials lazily (a plan needs only the listing environment's), so
without this check an apply would create a package with the listing environment's
credential and only then fail the install into an environment whose variable is unset.
:func:`check_credentials` names every missing variable at once; then one authenticated read
per other environment the plan writes to shows whether its credential is accepted. Values
are never read into a message.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from reconciler.api.auth import missing_variables
from reconciler.api.protocol import PromotionAPI
from reconciler.domain.declared import Config
from reconciler.errors import ApiError, AuthError, WfpromoteError
from reconciler.plan.model import Action, Plan

log = logging.getLogger(__name__)


class MissingCredentials(WfpromoteError):
    """Credentials a plan needs are unset, or refused, before anything is written."""


def written_environments(plan: Plan, config: Config) -> list[str]:
    """The configured environments the plan's runnable actions talk to (the apply engine's
    choice: an install's target, else the action's source environment, else the listing
    environment), in the order of ``wfpromote.yaml``."""
    default = config.listing_environment()
    wanted = {action.environment or action.source_env or default for action in plan.runnable}
    return [name for name in config.environments if name in wanted]


def check_present(plan: Plan, config: Config, environ: Mapping[str, str] | None = None) -> None:
    """Raise MissingCredentials naming every unset variable of every environment the plan
    writes to."""
    env = os.environ if environ is None else environ
    missing = [(name, variable, what)
               for name in written_environments(plan, config)
               for variable, what in missing_variables(config.environments[name].auth, env)]
    if not missing:
        return
    listed = ", ".join(f"${variable} ({what} of environment {name!r})"
                       for name, variable, what in missing)
    names = " ".join(f"{variable}=..." for _name, variable, _what in missing)
    raise MissingCredentials(
        f"apply needs credentials that are not set: {listed}; nothing was changed",
        hint=f"export {names} before running, or in CI add them as secrets and pass them to "
             "the job's env")


async def check_accepted(plan: Plan, config: Config,
                         clients: Mapping[str, PromotionAPI]) -> None:
    """One authenticated read in each environment the plan writes to, other than the listing
    environment (its listing just succeeded): the installations of a package the plan
    installs there (what the install itself reads first), else the package list. Raise
    MissingCredentials naming every environment that refused; other errors are left to the
    run itself."""
    listing = config.listing_environment()
    refused: list[str] = []
    for name in written_environments(plan, config):
        if name == listing:
            continue
        api = clients[name]
        ids = sorted({a.package_id for a in plan.runnable
                      if a.package_id and _env(a, listing) == name})
        try:
            if ids:
                await api.list_installations(ids[0])
            else:
                await api.list_packages()
        except AuthError as exc:
            refused.append(f"environment {name!r}: {exc.message}")
        except ApiError as exc:  # not about credentials: the run will meet it or not
            log.info("credential check in %s: %s", name, exc.message)
    if refused:
        raise MissingCredentials(
            "apply needs credentials that were refused: " + "; ".join(refused)
            + "; nothing was changed",
            hint="check the variables named in the auth: block of these environments in "
                 "wfpromote.yaml")


def _env(action: Action, default: str) -> str:
    return action.environment or action.source_env or default
