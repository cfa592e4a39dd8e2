"""HTTP conventions shared by the Chalice apps, written without importing Chalice."""
