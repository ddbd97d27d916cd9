"""The app's Dask cluster as remote targets see it: the address it listens on (plain tcp only on
loopback or when asked), the certificates of mutual TLS, the guard that lets a target's
certificate register a worker but never submit work, and where the listening scheduler is
recorded. Below both the job machinery (core/jobs/cluster.py starts the cluster) and the
targets (core/targets joins and measures through it)."""
