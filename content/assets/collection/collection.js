// «Подборка»: a "В подборку" button on every directive of every page, the collection kept in
// this browser (localStorage), and the data every collection view reads.
//
// A directive is any element with data-directive="<slug>#<anchor>", a directive block of a
// resolution page (its id is the page's slug and the block's id), and every link whose id is
// its target's (resheniya/<slug>/#<anchor>): the links of theme, district, year, comparison
// and calendar lists (class avg-d) and of a similar-directive box, which gets its whole text
// here when the box is opened. Elements added later (search results, the comparison page)
// get their button too. Other scripts use the API below (see README, «Подборка»):
//
//   window.avgustCollection.add(id) / .remove(id) / .toggle(id) / .has(id) / .ids() / .set(ids)
//   window.avgustCollection.button(id)   a ready "В подборку" button for a list of one's own
//   window.addEventListener("avgust:collection", (e) => e.detail.ids)   after every change
//
// Document text only ever reaches the page through textContent.

const KEY = "avgust.collection.v1";
export const EVENT = "avgust:collection";
export const ROOT = new URL("../../", import.meta.url);
export const PAGE = new URL("podborka/", ROOT);
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]*#[A-Za-z][A-Za-z0-9_-]*$/;

export const validId = (id) => typeof id === "string" && ID.test(id);

function read() {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(stored) ? [...new Set(stored.filter(validId))] : [];
  } catch {
    return [];
  }
}

function write(ids) {
  const unique = [...new Set(ids.filter(validId))];
  try {
    localStorage.setItem(KEY, JSON.stringify(unique));
  } catch {
    say("Браузер не дал сохранить подборку (хранилище недоступно или заполнено).");
  }
  changed(unique);
  return unique;
}

function changed(ids) {
  refresh(ids);
  window.dispatchEvent(new CustomEvent(EVENT, { detail: { ids: [...ids] } }));
}

export const collection = Object.freeze({
  ids: read,
  has: (id) => read().includes(id),
  add(id) {
    if (!validId(id)) throw new TypeError(`not a directive id: ${id}`);
    const ids = read();
    return ids.includes(id) ? ids : write([...ids, id]);
  },
  remove: (id) => write(read().filter((x) => x !== id)),
  toggle(id) {
    return read().includes(id) ? this.remove(id) : this.add(id);
  },
  set: (ids) => write(ids),
  button: (id) => makeButton(id),
  page: PAGE.href,
  event: EVENT,
});
window.avgustCollection = collection;

// --- buttons -------------------------------------------------------------------------------

function makeButton(id) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "avg-collect";
  button.dataset.collect = id;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const ids = collection.toggle(id);
    const added = ids.includes(id);
    say(added ? `Добавлено в подборку (${ids.length})` : `Убрано из подборки (${ids.length})`);
  });
  paint(button, read().includes(id));
  return button;
}

function paint(button, added) {
  button.setAttribute("aria-pressed", String(added));
  button.textContent = added ? "✓ В подборке" : "+ В подборку";
  button.title = added ? "Убрать из подборки" : "Добавить в подборку";
}

// Links carry no data-directive (with it and the start of each text the similar boxes were
// half of a resolution page): the id is the target resolution's slug and anchor.
const SIMILAR_LINK = "details.avg-similar li > a[href]";
const LINKED = `a.avg-d[href], ${SIMILAR_LINK}`;

// resheniya/<slug>/, resheniya/<slug>/index.html or resheniya/<slug>.html → <slug>
const slugOf = (url) => url.pathname.replace(/(\/index)?\.html$|\/$/, "").split("/").pop();

function linkedId(link) {
  const url = new URL(link.getAttribute("href"), document.baseURI);
  return `${slugOf(url)}#${decodeURIComponent(url.hash.slice(1))}`;
}

// a block's page is resheniya/<slug>/: its id is the page's slug and the block's anchor
const BLOCK = "div.avg-directive[id]";

const blockId = (block) => `${slugOf(new URL(document.baseURI))}#${block.id}`;

export function directiveId(element) {
  if (element.dataset.directive) return element.dataset.directive;
  if (element.matches(LINKED)) return linkedId(element);
  return element.matches(BLOCK) ? blockId(element) : undefined;
}

function decorate(element) {
  const id = directiveId(element);
  if (!validId(id) || element.dataset.collectable === "1") return;
  element.dataset.collectable = "1";
  const button = makeButton(id);
  if (element.tagName === "A") {
    (element.closest("li") || element.parentElement).append(" ", button);
  } else {
    // beside the deadline and themes, or on a line of its own above the similar directives
    let meta = element.querySelector(":scope > .avg-meta");
    if (!meta) {
      meta = document.createElement("p");
      meta.className = "avg-meta";
      element.insertBefore(meta, element.querySelector(":scope > details"));
    }
    meta.append(" ", button);
  }
}

function decorateAll(root) {
  const directives = `[data-directive], ${LINKED}, ${BLOCK}`;
  if (root.matches?.(directives)) decorate(root);
  root.querySelectorAll?.(directives).forEach(decorate);
}

function refresh(ids = read()) {
  const set = new Set(ids);
  document.querySelectorAll("button.avg-collect").forEach((b) => paint(b, set.has(b.dataset.collect)));
  const count = document.querySelector(".avg-collection-count");
  if (count) count.textContent = String(ids.length);
  const link = document.querySelector(".avg-collection-link");
  if (link) link.setAttribute("aria-label", `Подборка: ${ids.length}`);
}

// --- the header link and a polite status line ---------------------------------------------

let status;
export function say(text) {
  if (!status) {
    status = document.createElement("div");
    status.className = "avg-collection-status";
    status.setAttribute("role", "status");
    document.body.append(status);
  }
  status.textContent = text;
}

function headerLink() {
  const header = document.querySelector(".md-header__inner");
  if (!header || header.querySelector(".avg-collection-link")) return;
  const link = document.createElement("a");
  link.className = "avg-collection-link";
  link.href = PAGE.href;
  // on a phone the header has room for the icon and the count only; the label stays for
  // screen readers through aria-label
  link.insertAdjacentHTML(
    "beforeend",
    '<svg class="avg-collection-icon" viewBox="0 0 24 24" aria-hidden="true">' +
      '<path d="M17 3H7a2 2 0 0 0-2 2v16l7-3 7 3V5a2 2 0 0 0-2-2Z"/></svg>' +
      '<span class="avg-collection-label">Подборка </span>',
  );
  const count = document.createElement("span");
  count.className = "avg-collection-count";
  link.append(count);
  const search = header.querySelector(".md-search");
  if (search) header.insertBefore(link, search);
  else header.append(link);
}

// --- the data: one small gzipped JSON file per resolution, fetched once -------------------

const resolutions = new Map();

// Stored gzipped (GitHub Pages counts stored bytes against its 1 GB) and served as a plain
// application/gzip file, so the page unpacks it.
async function fetchGzippedJson(url) {
  const response = await fetch(url);
  if (!response.ok) return null;
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).json();
}

export function loadResolution(slug) {
  if (!resolutions.has(slug)) {
    const url = new URL(`data/r/${encodeURIComponent(slug)}.json.gz`, ROOT);
    resolutions.set(slug, fetchGzippedJson(url).catch(() => null));
  }
  return resolutions.get(slug);
}

// The directives of ``ids`` as {id, text, res, d, source, url}; an id whose resolution or
// anchor is gone maps to null.
export async function loadDirectives(ids) {
  const slugs = [...new Set(ids.map((id) => id.split("#")[0]))];
  const loaded = new Map(await Promise.all(slugs.map(async (s) => [s, await loadResolution(s)])));
  const out = new Map();
  for (const id of ids) {
    const res = loaded.get(id.split("#")[0]);
    const d = res?.directives.find((x) => x.id === id);
    out.set(id, d ? entry(res, d) : null);
  }
  return out;
}

function entry(res, d) {
  const point = d.number ? `п. ${d.number}` : "поручение";
  return {
    id: d.id,
    text: d.text,
    res,
    d,
    source: `${res.source}, ${point}`,
    url: new URL(d.url, ROOT).href,
    addressees: d.addressees.map((a) => a.replace(/[\s:]+$/, "")).filter(Boolean).join(", "),
    themes: d.themes.map((slug) => res.themes[slug] || slug),
  };
}

// --- the similar-directive boxes: the whole texts when a box is opened ---------------------

// A resolution page's box names each similar directive with a link only (the page would be
// mostly other pages' texts otherwise); opened, it gets the whole texts, to be read and
// copied. Without the data (offline, no JavaScript) the links stay.
async function fillSimilar(box) {
  if (box.dataset.filled) return;
  box.dataset.filled = "1";
  const links = [...box.querySelectorAll(SIMILAR_LINK)].filter((a) => validId(linkedId(a)));
  const found = await loadDirectives(links.map(linkedId));
  for (const link of links) {
    const text = found.get(linkedId(link))?.text;
    if (text) {
      const whole = document.createElement("em");
      whole.textContent = text.replace(/\s+/g, " ").trim();
      whole.dataset.whole = "1";
      link.after(": ", whole);
    }
  }
  box.dataset.filled = "2";
}

function similarBoxes() {
  document.addEventListener(
    "toggle",
    (event) => {
      const box = event.target;
      if (box instanceof HTMLDetailsElement && box.open && box.classList.contains("avg-similar")) {
        fillSimilar(box);
      }
    },
    true,
  );
}

// --- start --------------------------------------------------------------------------------

function start() {
  headerLink();
  similarBoxes();
  decorateAll(document.body);
  refresh();
  new MutationObserver((records) => {
    for (const record of records) {
      record.addedNodes.forEach((node) => node.nodeType === 1 && decorateAll(node));
    }
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) changed(read());
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
