// Staff console, history: what staff changed, newest first, a page at a time.
import { setStatus } from "../ui.js";
import { element, formatTime, staffApi, startConsole } from "../admin/console.js";

await startConsole("history");

const tbody = document.querySelector("#history tbody");
let page = 1;

function describeChanges(changes) {
  if (changes === null || changes === undefined || changes === "") return "–";
  if (typeof changes !== "object") return String(changes);
  return Object.entries(changes).map(([field, value]) => {
    if (Array.isArray(value) && value.length === 2) return `${field}: ${JSON.stringify(value[0])} → ${JSON.stringify(value[1])}`;
    if (value && typeof value === "object" && ("from" in value || "to" in value || "old" in value || "new" in value)) {
      const before = value.from ?? value.old;
      const after = value.to ?? value.new;
      return `${field}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`;
    }
    return `${field}: ${JSON.stringify(value)}`;
  }).join("\n");
}

function actorName(actor) {
  if (!actor) return "–";
  if (typeof actor === "object") return actor.email || `user ${actor.id}`;
  return String(actor);
}

function row(entry) {
  return element("tr", {},
    element("td", { text: formatTime(entry.at) }),
    element("td", { text: actorName(entry.actor) }),
    element("td", { text: entry.action }),
    element("td", { text: `${entry.target_type || ""} ${entry.target_id ?? ""}`.trim() || "–" }),
    element("td", {}, element("pre", { class: "changes", text: describeChanges(entry.changes) })));
}

async function load() {
  try {
    const answer = await staffApi(`/api/admin/history/?page=${page}`);
    tbody.replaceChildren(...answer.items.map(row));
    const pages = Math.max(1, Math.ceil(answer.total / (answer.page_size || 1)));
    document.querySelector("#history-page").textContent = `Page ${answer.page} of ${pages}`;
    document.querySelector("#history-previous").disabled = answer.page <= 1;
    document.querySelector("#history-next").disabled = answer.page >= pages;
    setStatus("#history-status", answer.items.length ? "" : "Nothing changed yet.", "info");
  } catch (error) {
    setStatus("#history-status", `The history cannot be read: ${error.message}`, "error");
  }
}

document.querySelector("#history-previous").addEventListener("click", () => { page -= 1; load(); });
document.querySelector("#history-next").addEventListener("click", () => { page += 1; load(); });

await load();
