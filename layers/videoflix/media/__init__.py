"""Media handling for the transcoder: probing uploads, the HLS ladder command, running FFmpeg.

Nothing here knows about AWS or the database; `videoflix.videos.transcode` wires it in.
"""
