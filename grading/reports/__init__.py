"""What the instructor reads after a run: CSV tables and the HTML report of plots."""
