"""wfpromote: a declarative GitOps reconciler for Workfront Environment Promotion packages."""

__version__ = "0.4.0"
