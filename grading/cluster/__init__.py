"""Grading on a Dask cluster: tasks and results as JSON, warm workers, and the command as the gradebook's one writer."""
