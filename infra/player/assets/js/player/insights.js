// Playback insights: what this view experienced, reported in numbered batches every few seconds
// (PLAYBACK_REPORT_INTERVAL_MS, from /config.js) and when the page goes away (a keepalive request).
//
// Per view: its start, the startup time (play intent to the first frame), each stall and its length,
// each rendition change (height, bitrate, codec), errors (fatal or not, hls.js's type and details),
// seeks, and the seconds actually played per rendition. The view id is random; nothing else about
// the viewer is sent but the browser family. With insights switched off, nothing is sent (the
// config says so, and a 204 answer stops the reports too).
import { sendPlaybackBatch } from "../api.js";

const config = window.VIDEOFLIX_CONFIG || {};
const DEFAULT_INTERVAL_MS = 10_000;
const MAX_STEP_SECONDS = 1.5; // a longer jump of currentTime between two timeupdates is a seek, not play

export function insightsEnabled() {
  return config.playbackInsights !== false;
}

export function browserFamily(agent = navigator.userAgent) {
  if (/SamsungBrowser/.test(agent)) return "samsung";
  if (/Edg\//.test(agent)) return "edge";
  if (/OPR\//.test(agent)) return "opera";
  if (/Firefox\//.test(agent)) return "firefox";
  if (/Chrome\/|Chromium\//.test(agent)) return "chrome";
  if (/Safari\//.test(agent)) return "safari";
  return "other";
}

function viewId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Report the playback of `video` (film `videoId`). `attachHls(hls)` adds hls.js's renditions and
 * errors; `playIntent()` marks the moment play was asked for (startup time runs from there).
 */
export function reportPlayback(video, videoId) {
  const noop = { attachHls() {}, playIntent() {}, fatal() {}, flush() {} };
  if (!insightsEnabled()) return noop;
  const intervalMs = Number(config.playbackReportIntervalMs) || DEFAULT_INTERVAL_MS;
  const id = viewId();
  const browser = browserFamily();
  let seq = 0;
  let stopped = false;
  let events = [{ type: "view_start" }];
  let intentAt = null;
  let started = false;
  let stallSince = null;
  let seeking = false;
  let lastTime = null;
  let rendition = { height: 0, codec: "" };
  const watched = new Map(); // "height|codec" -> seconds not sent yet
  let failed = false;

  const MAX_EVENTS = 180; // the API takes 200 a batch: past this, only what must not be lost is kept
  function push(event) {
    if (events.length < MAX_EVENTS || event.type === "startup" || event.fatal) events.push(event);
  }

  function addWatched(seconds) {
    const key = `${rendition.height}|${rendition.codec}`;
    watched.set(key, (watched.get(key) || 0) + seconds);
  }

  function take() {
    const batch = events;
    events = [];
    for (const [key, seconds] of watched) {
      const [height, codec] = key.split("|");
      if (seconds > 0) batch.push({ type: "watched", seconds: Math.round(seconds * 1000) / 1000,
        height: Number(height), codec });
    }
    watched.clear();
    return batch;
  }

  const unsent = []; // batches refused for a passing reason: sent again as they were (same seq, counted once)
  const MAX_UNSENT = 30;

  async function flush({ leaving = false } = {}) {
    if (stopped) return;
    if (stallSince !== null && leaving) { // a stall the viewer left during still counts
      push({ type: "stall", ms: Math.round(performance.now() - stallSince) });
      stallSince = null;
    }
    const batchEvents = take();
    if (batchEvents.length) {
      unsent.push({ view_id: id, video_id: Number(videoId), seq, browser, events: batchEvents });
      seq += 1;
      if (unsent.length > MAX_UNSENT) unsent.shift();
    }
    while (unsent.length && !stopped) {
      const batch = unsent[0];
      const status = await sendPlaybackBatch(batch, { leaving });
      if (status === 204) stopped = true; // switched off on the server: send nothing more
      if (status === 0 || status === 429 || status >= 500) return; // again with the next report
      // Taken, or refused for good (400, 404): never sent again. (Two flushes at once may both have
      // sent it: harmless, the aggregator counts a (view, seq) once.)
      const at = unsent.indexOf(batch);
      if (at >= 0) unsent.splice(at, 1);
    }
  }

  function playIntent() {
    if (intentAt === null) intentAt = performance.now();
  }

  video.addEventListener("play", playIntent);
  video.addEventListener("playing", () => {
    if (!started) {
      started = true;
      push({ type: "startup", ms: Math.round(performance.now() - (intentAt ?? performance.now())) });
    } else if (stallSince !== null) {
      push({ type: "stall", ms: Math.round(performance.now() - stallSince) });
    }
    stallSince = null;
    lastTime = video.currentTime;
  });
  video.addEventListener("waiting", () => {
    if (started && !seeking && stallSince === null) stallSince = performance.now();
  });
  video.addEventListener("seeking", () => {
    seeking = true; // waiting for a seek's data is not a stall (a stall already running goes on)
    push({ type: "seek", from_s: Math.max(0, lastTime ?? 0), to_s: Math.max(0, video.currentTime) });
  });
  video.addEventListener("seeked", () => {
    seeking = false;
    lastTime = video.currentTime;
  });
  video.addEventListener("timeupdate", () => {
    const now = video.currentTime;
    if (lastTime !== null && !seeking) { // paused, the time does not move: only play adds
      const step = now - lastTime;
      if (step > 0 && step < MAX_STEP_SECONDS) addWatched(step);
    }
    lastTime = now;
  });
  video.addEventListener("pause", () => { lastTime = video.currentTime; });
  let usingHls = false; // with hls.js the page reports fatal errors itself (after its recoveries)
  video.addEventListener("error", () => {
    if (!usingHls) fatal("mediaError", `mediaError${video.error?.code ?? ""}`);
  });

  function fatal(type, details) {
    if (failed) return;
    failed = true;
    push({ type: "error", fatal: true, error_type: String(type).slice(0, 64), details: String(details).slice(0, 64) });
    flush();
  }

  const timer = setInterval(() => flush(), intervalMs);
  const leave = () => flush({ leaving: true });
  addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leave();
  });

  return {
    playIntent,
    fatal,
    flush,
    attachHls(hls) {
      usingHls = true;
      const Events = window.Hls.Events;
      hls.on(Events.LEVEL_SWITCHED, (_event, data) => {
        const level = hls.levels[data.level];
        if (!level) return;
        const codec = String(level.videoCodec || level.codecs || "").split(",")[0].trim();
        rendition = { height: level.height || 0, codec };
        push({ type: "rendition", height: level.height || 0, bitrate: level.bitrate || 0, codec });
      });
      hls.on(Events.ERROR, (_event, data) => {
        if (data.fatal) return; // the page decides (a recovery, or fatal() when it gives up)
        push({ type: "error", fatal: false, error_type: String(data.type || "").slice(0, 64),
          details: String(data.details || "").slice(0, 64) });
      });
    },
    stop() {
      clearInterval(timer);
      stopped = true;
    },
  };
}
