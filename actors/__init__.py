"""Ray actors and Serve deployments that wrap the pure `redheart_models` core as message-driven services."""
