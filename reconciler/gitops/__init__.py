"""GitOps in CI: plans posted to pull and merge requests, drift issues, the job summary.

One :class:`~reconciler.gitops.provider.ReviewProvider` interface with a GitHub and a GitLab
implementation over httpx; the sticky-comment and drift-issue logic in ``sticky`` only talks
to that interface, so it is the same for both.
"""
