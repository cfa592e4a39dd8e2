// Where the player finds the API. `make dev` serves its own /config.js with the ports it
// actually uses; this file is what any other static server (e.g. Live Server) gets.
window.VIDEOFLIX_CONFIG = {
  apiBase: "http://127.0.0.1:8000",
  devMode: true,
  // Playback insights (PLAYBACK_INSIGHTS, PLAYBACK_REPORT_INTERVAL_MS): false sends nothing.
  playbackInsights: true,
  playbackReportIntervalMs: 10000,
};
