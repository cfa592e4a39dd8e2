"""The `videoflix` command line."""
