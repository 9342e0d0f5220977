"""Runtime bootstrap: local or remote Ray, the embedded Redis server, Serve configuration and Ray jobs."""
