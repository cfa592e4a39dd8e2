"""What helps around the runtime and is never shipped in the Lambda layer: the dev stack, the CLI, test helpers."""
