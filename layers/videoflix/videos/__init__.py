"""Videos: uploads, the transcoding job, the catalog and playlists."""
