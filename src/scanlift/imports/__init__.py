"""Import jobs: the trigger and status routes, the worker pipeline, leases and the sweeper."""
