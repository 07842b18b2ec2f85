"""Planning: the pure core that turns desired packages and a remote snapshot into a plan."""
