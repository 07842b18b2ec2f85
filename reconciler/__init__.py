"""wfpromote: a declarative GitOps reconciler for Workfront Environment Promotion packages."""

__version__ = "0.3.0"
