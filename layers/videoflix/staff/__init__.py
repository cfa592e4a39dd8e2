"""The staff console's use cases: edits and publishing, posters, users, history, queues."""
