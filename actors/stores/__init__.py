"""Redis-backed stores of Red Heart (key names in `actors.keys`)."""
