"""Reading back what FFmpeg wrote for a fan-out job."""
import pytest

from videoflix.pipeline.fanout.output import ChunkOutputError, read_output, segment_prefix

MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=854x480,CODECS="avc1.64001e"\n480p/index.m3u8\n'


def write_job(folder, names):
    (folder / "master.m3u8").write_text(MASTER)
    (folder / "480p").mkdir()
    lines = ["#EXTM3U"]
    for index, name in enumerate(names):
        (folder / "480p" / name).write_bytes(b"\x47" * 188 * (index + 1))
        lines += ["#EXTINF:6.000000,", name]
    (folder / "480p" / "index.m3u8").write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")


def test_segments_with_their_durations_sizes_and_codecs(tmp_path):
    names = [f"{segment_prefix(4)}segment_{n:05d}.ts" for n in (5, 6)]
    write_job(tmp_path, names)
    assert read_output(tmp_path, 5) == {"480p": ("avc1.64001e", [(names[0], 6.0, 188), (names[1], 6.0, 376)])}


def test_more_segments_than_the_chunk_has_room_for_are_refused(tmp_path):
    write_job(tmp_path, ["a.ts", "b.ts", "c.ts"])
    with pytest.raises(ChunkOutputError, match="at most 2"):
        read_output(tmp_path, 2)
    assert len(read_output(tmp_path, None)["480p"][1]) == 3  # the last chunk runs to the end
