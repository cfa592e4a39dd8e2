// Where the viewer is in a film: read from "continue watching" to resume, saved while playing
// (every ~10 s, on pause and after a seek) and on leaving the page (a keepalive request).
import { authorized, csrfHeaders, sendOnLeave } from "../api.js";

const SAVE_EVERY_MS = 10_000;
// A position this close to the start or the end is not worth resuming at.
const RESUME_MIN_SECONDS = 1;
const RESUME_END_MARGIN = 2;

/** The saved position of a film in seconds, or 0 (nothing saved, nearly finished, or no API). */
export async function savedPosition(videoId) {
  try {
    const items = await authorized("/api/video/continue/");
    const entry = Array.isArray(items) ? items.find((item) => String(item.id) === String(videoId)) : null;
    const position = Number(entry?.position_seconds) || 0;
    const duration = Number(entry?.duration_seconds) || 0;
    if (position < RESUME_MIN_SECONDS || (duration && position > duration - RESUME_END_MARGIN)) return 0;
    return position;
  } catch {
    return 0; // resuming is a convenience: the film still plays from the start
  }
}

/**
 * Save the position of `video` while it plays. Nothing is saved until the viewer has played
 * or sought (`userSeeked`), so opening a film never overwrites its saved position with 0.
 */
export function trackProgress(video, videoId) {
  const path = `/api/video/${encodeURIComponent(videoId)}/progress/`;
  let engaged = false;
  let lastSent = null;
  let lastSentAt = 0;

  const position = () => Math.max(0, Math.round(video.currentTime * 10) / 10);

  async function save() {
    const at = position();
    if (!engaged || at === lastSent || !Number.isFinite(at)) return;
    lastSent = at;
    lastSentAt = Date.now();
    try {
      await authorized(path, { method: "PUT", body: { position_seconds: at }, headers: csrfHeaders() });
    } catch {
      lastSent = null; // try again next time
    }
  }

  function saveOnLeave() {
    const at = position();
    if (!engaged || at === lastSent) return;
    lastSent = at;
    sendOnLeave(path, "PUT", { position_seconds: at });
  }

  video.addEventListener("playing", () => { engaged = true; });
  video.addEventListener("timeupdate", () => {
    if (engaged && !video.paused && Date.now() - lastSentAt >= SAVE_EVERY_MS) save();
  });
  video.addEventListener("pause", save);
  video.addEventListener("seeked", save);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveOnLeave();
  });
  window.addEventListener("pagehide", saveOnLeave);

  return {
    userSeeked() { engaged = true; },
    save,
  };
}
