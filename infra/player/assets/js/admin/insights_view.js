// What the Insights page and the film page share: the figures of a summary (GET /api/admin/insights/),
// formatted, and the two time-series charts drawn with uPlot (installed by `npm ci`, never a CDN).
import { element } from "../ui.js";

export function percent(value, digits = 1) {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)} %`;
}

export function millis(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value)} ms`;
}

export function mix(shares, suffix = "") {
  const entries = Object.entries(shares || {}).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([key, share]) => `${key}${suffix} ${Math.round(share * 100)} %`).join(", ") : "–";
}

/** The headline figures of a summary, as [label, text, key] (key: data-figure, for tests and styling). */
export function figures(summary) {
  return [
    ["Views", String(summary.views), "views"],
    ["Unique viewers", `${summary.unique_viewers}${summary.unique_viewers_exact === false ? " (at most)" : ""}`,
      "unique_viewers"],
    ["Minutes watched", summary.minutes_watched.toFixed(1), "minutes_watched"],
    ["Seconds watched", summary.watched_seconds.toFixed(1), "watched_seconds"],
    ["Mean completion", percent(summary.mean_completion, 0), "mean_completion"],
    ["Startup p50", millis(summary.startup_p50_ms), "startup_p50_ms"],
    ["Startup p95", millis(summary.startup_p95_ms), "startup_p95_ms"],
    ["Rebuffer ratio", percent(summary.rebuffer_ratio, 2), "rebuffer_ratio"],
    ["Stalls", String(summary.stalls), "stalls"],
    ["Failure rate", percent(summary.failure_rate), "failure_rate"],
    ["Heights", mix(summary.heights, "p"), "heights"],
    ["Codecs", mix(summary.codecs), "codecs"],
  ];
}

export function figureList(summary) {
  const list = element("dl", { class: "figures" });
  for (const [label, text, key] of figures(summary)) {
    list.append(element("div", { "data-figure": key }, element("dt", { text: label }), element("dd", { text })));
  }
  return list;
}

function seconds(iso) {
  return Math.floor(new Date(iso).getTime() / 1000);
}

const AXIS = { stroke: "#9aa5b1", grid: { stroke: "#2a323b" }, ticks: { stroke: "#2a323b" } };

/**
 * Two charts of a series: the audience (views, minutes watched) and the quality (startup p95 in ms,
 * rebuffer ratio and failure rate in %). Returns the elements; without uPlot, a note instead.
 */
export function seriesCharts(container, series, width) {
  container.replaceChildren();
  if (!window.uPlot) {
    container.append(element("p", { class: "status", "data-kind": "error",
      text: "uPlot is not installed: run `npm ci` in infra/player." }));
    return [];
  }
  if (!series.length) {
    container.append(element("p", { class: "status", text: "No playback in this range." }));
    return [];
  }
  const x = series.map((point) => seconds(point.at));
  const pct = (value) => (value === null ? null : value * 100);
  const charts = [];
  const size = { width: Math.max(320, width), height: 220 };
  const audience = element("figure", { class: "chart", id: "chart-audience", "aria-label": "Views and minutes watched over time" });
  const quality = element("figure", { class: "chart", id: "chart-quality", "aria-label": "Startup time, rebuffering and failures over time" });
  container.append(audience, quality);
  charts.push(new window.uPlot({
    ...size, title: "Audience",
    scales: { x: { time: true }, views: {}, minutes: {} },
    axes: [{ ...AXIS }, { ...AXIS, scale: "views", label: "views" },
      { ...AXIS, scale: "minutes", side: 1, label: "minutes", grid: { show: false } }],
    series: [{}, { label: "Views", scale: "views", stroke: "#4cc9f0", width: 2, fill: "rgba(76,201,240,0.15)" },
      { label: "Minutes watched", scale: "minutes", stroke: "#f9c74f", width: 2 }],
  }, [x, series.map((p) => p.views), series.map((p) => p.minutes_watched)], audience));
  charts.push(new window.uPlot({
    ...size, title: "Quality",
    scales: { x: { time: true }, ms: {}, pct: {} },
    axes: [{ ...AXIS }, { ...AXIS, scale: "ms", label: "ms" },
      { ...AXIS, scale: "pct", side: 1, label: "%", grid: { show: false } }],
    series: [{}, { label: "Startup p95 (ms)", scale: "ms", stroke: "#90be6d", width: 2, spanGaps: true },
      { label: "Rebuffer (%)", scale: "pct", stroke: "#f8961e", width: 2, spanGaps: true },
      { label: "Failed views (%)", scale: "pct", stroke: "#f94144", width: 2, spanGaps: true }],
  }, [x, series.map((p) => p.startup_p95_ms), series.map((p) => pct(p.rebuffer_ratio)),
    series.map((p) => pct(p.failure_rate))], quality));
  return charts;
}

/** from/to/interval as the API takes them, from the range form (empty fields left out). */
export function rangeQuery(form) {
  const params = new URLSearchParams();
  for (const name of ["from", "to", "interval"]) {
    const value = form?.elements[name]?.value;
    if (value) params.set(name, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
