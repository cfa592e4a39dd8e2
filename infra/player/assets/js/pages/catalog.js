import { DEV_MODE, authorized, startSession } from "../api.js";
import { element, renderChrome, setStatus, showStaffLink } from "../ui.js";
import { formatTime } from "../player/format.js";

const EMPTY_POLL_MS = 5000;
const SEARCH_DELAY_MS = 300;
const PAGE_SIZE = 24;

renderChrome({ loggedIn: true });
try {
  await startSession();
} catch (error) {
  setStatus("#catalog-status", error.message, "error"); // e.g. the API is not running
  throw error;
}
showStaffLink();

const root = document.querySelector("#catalog");
const search = document.querySelector("#search");
const category = document.querySelector("#category");

/** Categories in the order of their newest film; the API lists films newest first. */
function groupByCategory(videos) {
  const groups = new Map();
  for (const video of videos) {
    const name = video.category || "Other";
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(video);
  }
  return groups;
}

function card(video, ...extra) {
  const link = element("a", { class: "video-card", href: `/pages/video/watch.html?id=${encodeURIComponent(video.id)}`,
    "data-video-id": String(video.id) });
  if (video.thumbnail_url) {
    link.append(element("img", { src: video.thumbnail_url, alt: video.title, loading: "lazy" }));
  } else {
    link.append(element("div", { class: "no-thumbnail", text: "No picture" }));
  }
  link.append(...extra, element("span", { class: "video-title", text: video.title }));
  return link;
}

function render(videos) {
  root.replaceChildren();
  for (const [name, films] of groupByCategory(videos)) {
    root.append(element("section", { class: "category", "data-category": name },
      element("h2", { text: name }),
      element("div", { class: "grid" }, ...films.map((film) => card(film)))));
  }
}

// -- continue watching ------------------------------------------------------------------------
function continueCard(item) {
  const position = Number(item.position_seconds) || 0;
  const duration = Number(item.duration_seconds) || 0;
  const share = duration ? Math.min(100, (position / duration) * 100) : 0;
  const bar = element("div", { class: "watched", role: "progressbar", "aria-label": "Watched",
    "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(share)) },
  element("span", { style: `width: ${share}%` }));
  const left = duration ? `${formatTime(position)} of ${formatTime(duration)}` : formatTime(position);
  const link = card(item, bar);
  link.append(element("span", { class: "video-meta", text: left }));
  return link;
}

async function loadContinue() {
  let items = [];
  try {
    items = await authorized("/api/video/continue/");
  } catch {
    items = []; // a catalog without the row is still a catalog
  }
  const section = document.querySelector("#continue");
  section.hidden = !Array.isArray(items) || !items.length;
  if (!section.hidden) document.querySelector("#continue-row").replaceChildren(...items.map(continueCard));
}

// -- categories and search ------------------------------------------------------------------
async function loadCategories() {
  let categories = [];
  try {
    categories = await authorized("/api/categories/");
  } catch {
    return;
  }
  const list = Array.isArray(categories) ? categories : categories.items || [];
  const chosen = category.value;
  category.replaceChildren(element("option", { value: "", text: "All categories" }), ...list.map((entry) => {
    const name = typeof entry === "string" ? entry : entry.name ?? entry.category;
    const count = typeof entry === "object" ? entry.count ?? entry.video_count : undefined;
    return element("option", { value: name, text: count === undefined ? name : `${name} (${count})` });
  }));
  category.value = chosen;
}

function filters() {
  return { q: search.value.trim(), category: category.value };
}

function filtered() {
  const { q, category: name } = filters();
  return Boolean(q || name);
}

let generation = 0; // answers to an older search are dropped

async function loadFiltered(page = 1) {
  const mine = ++generation;
  const { q, category: name } = filters();
  const params = new URLSearchParams({ page: String(page), page_size: String(PAGE_SIZE) });
  if (q) params.set("q", q);
  if (name) params.set("category", name);
  const answer = await authorized(`/api/video/?${params}`);
  if (mine !== generation) return;
  const items = Array.isArray(answer) ? answer : answer.items || [];
  const total = Number(answer.total ?? items.length);
  let grid = root.querySelector("#results");
  if (page === 1 || !grid) {
    grid = element("div", { class: "grid", id: "results" });
    root.replaceChildren(element("section", { class: "results", "aria-label": "Search results" }, grid));
  }
  grid.append(...items.map((film) => card(film)));
  root.querySelector(".more")?.remove();
  const shown = grid.children.length;
  if (shown < total && items.length) {
    const more = element("button", { type: "button", class: "button secondary more", text: "Show more" });
    more.addEventListener("click", () => loadFiltered(page + 1).catch(showFailure));
    root.append(more);
  }
  setStatus("#catalog-status", total ? `${total} ${total === 1 ? "film" : "films"} found.`
    : "No films match your search.", "info");
}

function showFailure(error) {
  setStatus("#catalog-status", error.message, "error");
}

let emptyTimer = null;

async function loadAll() {
  const mine = ++generation;
  const videos = await authorized("/api/video/");
  if (mine !== generation) return;
  render(videos);
  clearTimeout(emptyTimer);
  if (videos.length) {
    setStatus("#catalog-status", "");
  } else {
    setStatus("#catalog-status", DEV_MODE
      ? "No films yet. `make dev` is transcoding a sample film; it appears here in a minute or two."
      : "No films yet.", "info");
    emptyTimer = setTimeout(() => load().catch(showFailure), EMPTY_POLL_MS);
  }
}

/** The catalog as the filters say: grouped thumbnails with none, the paged search with any. */
async function load() {
  const { q, category: name } = filters();
  const url = new URL(location.href);
  for (const [key, value] of Object.entries({ q, category: name })) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  history.replaceState(null, "", url);
  if (filtered()) {
    clearTimeout(emptyTimer);
    await loadFiltered();
  } else {
    await loadAll();
  }
}

let searchTimer = null;
search.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => load().catch(showFailure), SEARCH_DELAY_MS);
});
category.addEventListener("change", () => load().catch(showFailure));
document.querySelector("#catalog-tools").addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  load().catch(showFailure);
});

const initial = new URLSearchParams(location.search);
search.value = initial.get("q") || "";
await loadCategories();
category.value = initial.get("category") || "";
await Promise.all([loadContinue(), load().catch(showFailure)]);
