"""Videoflix: the shared package of every Videoflix function (the Lambda layer)."""
