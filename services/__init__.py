"""Entry points of Red Heart: the Serve application, its HTTP ingress, the aiohttp client and the CLI."""
