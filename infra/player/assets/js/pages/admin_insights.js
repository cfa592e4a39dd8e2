// Staff console, insights: totals, two time-series charts (uPlot) and a sortable table per film,
// for a range (GET /api/admin/insights/?from=&to=&interval=).
import { setStatus } from "../ui.js";
import { element, staffApi, startConsole } from "../admin/console.js";
import { figureList, millis, mix, percent, rangeQuery, seriesCharts } from "../admin/insights_view.js";

await startConsole("insights");

const form = document.querySelector("#range");
const table = document.querySelector("#films");
let films = [];
let sortKey = "views";
let descending = true;

function row(film) {
  return element("tr", { "data-video-id": String(film.video_id) },
    element("th", { scope: "row" }, element("a", { href: `/admin/film.html?id=${film.video_id}`,
      text: film.title || `Film ${film.video_id}` })),
    element("td", { "data-col": "views", text: String(film.views) }),
    element("td", { "data-col": "unique_viewers", text: String(film.unique_viewers) }),
    element("td", { "data-col": "minutes_watched", text: film.minutes_watched.toFixed(1) }),
    element("td", { "data-col": "mean_completion", text: percent(film.mean_completion, 0) }),
    element("td", { "data-col": "startup_p50_ms", text: millis(film.startup_p50_ms) }),
    element("td", { "data-col": "startup_p95_ms", text: millis(film.startup_p95_ms) }),
    element("td", { "data-col": "rebuffer_ratio", text: percent(film.rebuffer_ratio, 2) }),
    element("td", { "data-col": "failure_rate", text: percent(film.failure_rate) }),
    element("td", { "data-col": "heights", text: mix(film.heights, "p") }),
    element("td", { "data-col": "codecs", text: mix(film.codecs) }));
}

function compare(a, b) {
  const left = a[sortKey];
  const right = b[sortKey];
  if (left === right) return a.video_id - b.video_id;
  if (left === null || left === undefined) return 1; // no figure: last, whichever the direction
  if (right === null || right === undefined) return -1;
  const order = typeof left === "string" ? left.localeCompare(right) : left - right;
  return descending ? -order : order;
}

function renderTable() {
  const body = table.querySelector("tbody");
  body.replaceChildren(...[...films].sort(compare).map(row));
  for (const heading of table.querySelectorAll("th[data-sort]")) {
    const active = heading.dataset.sort === sortKey;
    heading.setAttribute("aria-sort", active ? (descending ? "descending" : "ascending") : "none");
  }
}

for (const heading of table.querySelectorAll("th[data-sort]")) {
  heading.querySelector("button").addEventListener("click", () => {
    const key = heading.dataset.sort;
    descending = key === sortKey ? !descending : key !== "title";
    sortKey = key;
    renderTable();
  });
}

async function load() {
  setStatus("#insights-status", "Loading…");
  try {
    const answer = await staffApi(`/api/admin/insights/${rangeQuery(form)}`);
    document.querySelector("#totals").replaceChildren(figureList(answer.totals));
    seriesCharts(document.querySelector("#charts"), answer.series,
      document.querySelector("#charts").clientWidth || 640);
    films = answer.videos;
    renderTable();
    const from = answer.from.slice(0, 16).replace("T", " ");
    const to = answer.to.slice(0, 16).replace("T", " ");
    setStatus("#insights-status", `${answer.totals.views} view(s) of ${films.length} film(s), ${from} to ${to} UTC, `
      + `by ${answer.interval}.`);
  } catch (error) {
    setStatus("#insights-status", error.message, "error");
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
await load();
