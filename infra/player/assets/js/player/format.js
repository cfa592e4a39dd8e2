// Pure helpers of the watch page: time labels and the storyboard's WebVTT.

/** 75 -> "1:15", 3725 -> "1:02:05"; anything not a finite number reads as 0:00. */
export function formatTime(seconds) {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** "00:01:02.500" or "01:02.500" -> 62.5; NaN when it is not a WebVTT timestamp. */
export function parseTimestamp(text) {
  const found = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!found) return NaN;
  return Number(found[1] || 0) * 3600 + Number(found[2]) * 60 + Number(found[3]);
}

/**
 * A storyboard's cues: [{start, end, url, x, y, w, h}], the sprite URL resolved against
 * `base` (the VTT's own URL). Cues without `#xywh=` or with a bad timing line are skipped.
 */
export function parseStoryboard(vtt, base) {
  const cues = [];
  for (const block of String(vtt).replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n").filter((line) => line.trim());
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing === -1 || !lines[timing + 1]) continue;
    const [from, to] = lines[timing].split("-->").map((part) => part.trim().split(/\s+/)[0]);
    const start = parseTimestamp(from);
    const end = parseTimestamp(to);
    const target = lines[timing + 1].trim();
    const hash = target.lastIndexOf("#xywh=");
    if (!Number.isFinite(start) || !Number.isFinite(end) || hash === -1) continue;
    const box = target.slice(hash + 6).split(",").map(Number);
    if (box.length !== 4 || box.some((value) => !Number.isFinite(value))) continue;
    let url;
    try {
      url = new URL(target.slice(0, hash), base).href;
    } catch {
      continue;
    }
    cues.push({ start, end, url, x: box[0], y: box[1], w: box[2], h: box[3] });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue showing at `time` (the last one starting at or before it), or null. */
export function cueAt(cues, time) {
  let found = null;
  for (const cue of cues) {
    if (cue.start > time) break;
    found = cue;
  }
  return found;
}
