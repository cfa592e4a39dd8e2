"""The subtitles group added to a master playlist, and the one-segment subtitle playlist."""
from __future__ import annotations

from videoflix.domain.hls import SubtitleTrack, add_subtitles, master_variants, subtitle_playlist

SINGLE = ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=854x480\nhttp://a/480p/index.m3u8\n\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=1600000,RESOLUTION=1280x720\nhttp://a/720p/index.m3u8\n")
FANNED = ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
          '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",'
          'URI="http://a/audio/index.m3u8"\n\n'
          '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=854x480,AUDIO="audio"\nhttp://a/480p/index.m3u8\n')
TRACKS = [SubtitleTrack("de", "Deutsch", False, "http://a/subtitles/de/index.m3u8"),
          SubtitleTrack("en", "English", True, "http://a/subtitles/en/index.m3u8")]


def test_without_tracks_the_master_is_unchanged():
    assert add_subtitles(SINGLE, []) == SINGLE


def test_each_track_is_a_subtitles_media_line_and_every_variant_names_the_group():
    master = add_subtitles(SINGLE, TRACKS)
    lines = master.splitlines()
    media = [line for line in lines if line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]
    assert media == [
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,'
        'URI="http://a/subtitles/de/index.m3u8"',
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,'
        'URI="http://a/subtitles/en/index.m3u8"']
    assert lines.index(media[-1]) < min(i for i, l in enumerate(lines) if l.startswith("#EXT-X-STREAM-INF"))
    variants = [line for line in lines if line.startswith("#EXT-X-STREAM-INF")]
    assert len(variants) == 2 and all(line.endswith(',SUBTITLES="subs"') for line in variants)
    assert master_variants(master) == master_variants(SINGLE)


def test_a_fanned_out_master_keeps_its_audio_group_before_the_subtitles():
    master = add_subtitles(FANNED, TRACKS[:1])
    lines = master.splitlines()
    audio = next(i for i, l in enumerate(lines) if "TYPE=AUDIO" in l)
    subs = next(i for i, l in enumerate(lines) if "TYPE=SUBTITLES" in l)
    assert audio < subs
    [variant] = [l for l in lines if l.startswith("#EXT-X-STREAM-INF")]
    assert variant.endswith('AUDIO="audio",SUBTITLES="subs"')


def test_one_default_at_most_and_names_stay_quoted_strings():
    tracks = [SubtitleTrack("de", 'Deu"tsch\n', True, "u1"), SubtitleTrack("en", "English", True, "u2")]
    master = add_subtitles(SINGLE, tracks)
    assert master.count("DEFAULT=YES") == 1 and 'NAME="Deu tsch "' in master


def test_the_subtitle_playlist_is_one_segment_spanning_the_film():
    assert subtitle_playlist(12.5, "https://s3/x.vtt?sig=1") == (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:13\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXTINF:12.500,\nhttps://s3/x.vtt?sig=1\n#EXT-X-ENDLIST\n")
