"""One module per command. Each imports only click at module level (heavy imports happen
inside the command) so that ``wfpromote --help`` stays fast."""
