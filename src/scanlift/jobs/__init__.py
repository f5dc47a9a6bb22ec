"""Import jobs on the worker side: the queue, the pipeline, leases and heartbeat, the sweeper."""
