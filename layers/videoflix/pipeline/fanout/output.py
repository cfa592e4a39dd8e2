"""What a fan-out job leaves on disk, read back: FFmpeg's playlists and the segments' sizes."""
from __future__ import annotations

from pathlib import Path

from videoflix.domain.hls import MASTER_PLAYLIST, RUNG_PLAYLIST, parse_media_playlist, variant_codecs


class ChunkOutputError(RuntimeError):
    pass


def segment_prefix(run_id: int) -> str:
    """Segment names carry their run, so a late worker of a replaced run never overwrites or
    deletes the segments of the run that replaced it."""
    return f"r{run_id}_"


def read_output(folder: Path, most_segments: int | None) -> dict[str, tuple[str, list[tuple[str, float, int]]]]:
    """Per rendition FFmpeg wrote: its CODECS and (name, seconds, bytes) of each segment."""
    codecs = variant_codecs((folder / MASTER_PLAYLIST).read_text())
    renditions = {}
    for rendition in sorted(codecs):
        listed = parse_media_playlist((folder / rendition / RUNG_PLAYLIST).read_text())
        if most_segments is not None and len(listed) > most_segments:
            # More would take the names of the next chunk's segments.
            raise ChunkOutputError(f"{rendition}: {len(listed)} segments where at most {most_segments} fit")
        renditions[rendition] = (codecs[rendition], [(name, seconds, (folder / rendition / name).stat().st_size)
                                                     for name, seconds in listed])
    return renditions
