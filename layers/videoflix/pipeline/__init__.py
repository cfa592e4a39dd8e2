"""The transcoding pipeline: an upload in, a published HLS ladder out (fan-out in `fanout/`)."""
