// Seek previews: the storyboard frame (a tile of a sprite sheet, from the film's
// storyboard.vtt) and the time, above the seek bar while hovering or dragging it. Films
// without a storyboard (404) show the time alone.
import { API_BASE, authorizedText } from "../api.js";
import { cueAt, formatTime, parseStoryboard } from "./format.js";

export async function loadStoryboard(videoId) {
  const path = `/api/video/${encodeURIComponent(videoId)}/storyboard.vtt`;
  try {
    const text = await authorizedText(path);
    return text ? parseStoryboard(text, API_BASE + path) : [];
  } catch {
    return []; // no storyboard is no reason to stop the film
  }
}

export function bindPreviews({ video, track, seek, preview, frame, label, cues }) {
  let hovering = false;

  function duration() {
    return Number.isFinite(video.duration) ? video.duration : 0;
  }

  function show(time) {
    if (!duration()) return;
    const cue = cueAt(cues, time);
    frame.hidden = !cue;
    if (cue) {
      frame.style.width = `${cue.w}px`;
      frame.style.height = `${cue.h}px`;
      frame.style.backgroundImage = `url("${cue.url.replace(/"/g, "%22")}")`;
      frame.style.backgroundPosition = `${-cue.x}px ${-cue.y}px`;
    }
    label.textContent = formatTime(time);
    preview.hidden = false;
    // Centred on the pointer, kept inside the bar.
    const width = track.clientWidth;
    const half = preview.offsetWidth / 2;
    const at = (time / duration()) * width;
    preview.style.left = `${Math.max(half, Math.min(width - half, at)) - half}px`;
  }

  function hide() {
    preview.hidden = true;
  }

  function timeAt(clientX) {
    const box = seek.getBoundingClientRect();
    const fraction = Math.max(0, Math.min(1, (clientX - box.left) / box.width));
    return fraction * duration();
  }

  track.addEventListener("pointermove", (event) => {
    hovering = true;
    show(timeAt(event.clientX));
  });
  track.addEventListener("pointerleave", () => {
    hovering = false;
    hide();
  });
  seek.addEventListener("input", () => show(Number(seek.value)));
  seek.addEventListener("change", () => { if (!hovering) hide(); });
  seek.addEventListener("blur", hide);
}
