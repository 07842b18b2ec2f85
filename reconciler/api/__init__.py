"""The Workfront Environment Promotion API: models, profiles, auth, transport and client."""
