"""The fixture notebooks here are data for unit tests, not notebooks for nbval to re-execute."""
collect_ignore_glob = ["*.ipynb"]
