"""The playlists of a finished fan-out run, from the segments its jobs recorded: pure, no I/O."""
from __future__ import annotations

from typing import Any, Iterable

from videoflix.domain.hls import (AUDIO_RENDITION, MASTER_PLAYLIST, RUNG_PLAYLIST, AudioRendition, Segment,
                                  VideoVariant, bandwidth, master_playlist, media_playlist)
from videoflix.pipeline.fanout.plan import AUDIO_JOB, VIDEO_JOB, FanoutPlan


class IncompleteRun(ValueError):
    """The recorded output cannot make a playable film; another try would record the same."""


def job_output(renditions: dict[str, tuple[str, list[tuple[str, float, int]]]]) -> dict[str, Any]:
    """What a job records: per rendition, FFmpeg's CODECS and (name, seconds, bytes) per segment."""
    return {"renditions": {name: {"codecs": codecs, "segments": [list(s) for s in segments]}
                           for name, (codecs, segments) in renditions.items()}}


def assemble_playlists(plan: FanoutPlan, outputs: Iterable[tuple[str, int, dict[str, Any]]]
                       ) -> tuple[dict[str, str], list[str]]:
    """({relative path: playlist text}, rendition names): rendition playlists first, master last."""
    outputs = list(outputs)
    chunks = sorted((index, output) for kind, index, output in outputs if kind == VIDEO_JOB)
    if [index for index, _ in chunks] != [chunk.index for chunk in plan.chunks]:
        raise IncompleteRun("the run's chunks did not all record their output")
    variants = []
    for planned in plan.rungs:
        codecs, segments = _joined(planned.name, [output for _, output in chunks])
        variants.append(VideoVariant(planned.name, planned.width, planned.height, plan.rate, codecs, segments))
    if len({len(v.segments) for v in variants}) != 1:
        raise IncompleteRun("the rungs have different numbers of segments")
    audio = None
    if plan.probe.has_audio:
        parts = sorted((index, output) for kind, index, output in outputs if kind == AUDIO_JOB)
        if [index for index, _ in parts] != [part.index for part in plan.audio_parts]:
            raise IncompleteRun("the audio parts did not all record their output")
        audio = AudioRendition(*_joined(AUDIO_RENDITION, [output for _, output in parts]))
    files = {f"{v.name}/{RUNG_PLAYLIST}": media_playlist(v.segments) for v in variants}
    if audio is not None:
        files[f"{AUDIO_RENDITION}/{RUNG_PLAYLIST}"] = media_playlist(audio.segments)
    files[MASTER_PLAYLIST] = master_playlist(variants, audio)
    return files, [v.name for v in variants] + ([AUDIO_RENDITION] if audio is not None else [])


def _joined(rendition: str, outputs: list[dict[str, Any]]) -> tuple[str, tuple[Segment, ...]]:
    codecs, segments = "", []
    for output in outputs:
        recorded = (output.get("renditions") or {}).get(rendition)
        if recorded is None:
            raise IncompleteRun(f"a job recorded no {rendition} output")
        codecs = codecs or recorded.get("codecs", "")
        segments += [Segment(str(name), float(seconds), int(size)) for name, seconds, size in recorded["segments"]]
    if not segments:
        raise IncompleteRun(f"the {rendition} rendition has no segments")
    return codecs, tuple(segments)


def audio_bandwidth(plan: FanoutPlan, outputs: Iterable[tuple[str, int, dict[str, Any]]]) -> tuple[int, int] | None:
    """(peak, average) bits per second of the run's audio rendition, None without one: the AV1 variants of a
    film encoded in chunks name it (pipeline/av1_chunks.py), and add its rates to theirs."""
    if not plan.probe.has_audio:
        return None
    parts = sorted((index, output) for kind, index, output in outputs if kind == AUDIO_JOB)
    return bandwidth(_joined(AUDIO_RENDITION, [output for _, output in parts])[1])
