// avgust: the one search box, in the header of every page (the avgust MkDocs plugin writes its
// markup, avgust/browser/export.py header_html). Until the box is focused this script fetches
// nothing; on focus it reads meta.json (a few KB), and each query fetches only the shards it
// needs (shards.js). Typing answers by words at once, on every keystroke (one search at a time,
// then the latest text); once the model is there a pause in the typing also refines the answer
// by meaning. Enter or the button loads the model (once, kept by the browser) and the answer is
// refined by meaning in place. On a metered connection (Save-Data) the model is only loaded
// when the visitor says so.
//
// The answer is a grid (a combobox with a grid popup): one row per result, its link in the
// first cell and, for a directive, «В подборку» (collection.js) in the second; the arrows
// Up/Down move between rows, Left/Right between the cells of a row, Enter opens or toggles.
//
// Document text is only ever put into the page with textContent (no innerHTML).

const HERE = new URL("./", import.meta.url); // assets/search/
const SITE = new URL("../../", import.meta.url);
const FIRST = 5; // results shown at first (a phone screen)
const MORE = 5;
const FETCHED = 30;
// the typing pause after which, the model being there, the answer is refined by meaning: longer
// than the gap between a phone's keystrokes (~250–400 ms), since each refinement may fetch IVF
// lists (hundreds of KB at 100,000 directives) for the text typed so far
const REFINE_DELAY_MS = 500;
const KINDS = { theme: "Тема", district: "Район", year: "Год", resolution: "Решение" };
// a result far below the best one is no answer: lexical scores relative, hybrid z-scores absolute
const LEXICAL_CUT = 0.35;
const HYBRID_CUT = 2.5;
const DEADLINE_LABEL = /^\s*сроки?\s*(исполнения)?\s*[:.-]?\s*/iu;

const root = document.querySelector(".avg-hs");
const state = {
  shards: null,
  loading: null,
  embed: null,
  model: "idle", // idle | loading | ready | failed | unsupported | ask
  generation: 0,
  hits: [],
  shown: FIRST,
  mode: "",
  active: -1,
  column: 0,
  corrected: [],
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const normalise = (text) => text.toLowerCase().replaceAll("ё", "е");

/** meta.json and the shard reader, once. */
function open() {
  if (!state.loading) {
    state.loading = (async () => {
      const [{ Shards }, response] = await Promise.all([
        import("./shards.js"),
        fetch(new URL("meta.json", HERE)),
      ]);
      if (!response.ok) throw new Error(`meta.json: HTTP ${response.status}`);
      const meta = await response.json();
      const load = async (path) => {
        const file = await fetch(new URL(path, HERE));
        if (!file.ok) throw new Error(`${path}: HTTP ${file.status}`);
        return new Uint8Array(await file.arrayBuffer());
      };
      state.shards = new Shards(meta, load);
      state.themes = new Map((meta.themes ?? []).map((t) => [t.slug, t.name]));
      root.dataset.ready = "true";
      return state.shards;
    })();
    state.loading.catch(() => {
      state.loading = null;
    });
  }
  return state.loading;
}

/** The pages whose title has every word of the query (as a word start). */
async function namedPages(query) {
  const wanted = normalise(query)
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((w) => w.length >= 3);
  if (!wanted.length) return [];
  const pages = await state.shards.pages();
  const found = [];
  for (const [kind, title, url] of pages) {
    const titleWords = normalise(title).split(/[^\p{L}\p{Nd}]+/u);
    const stem = (w) => w.slice(0, Math.max(4, w.length - 2));
    if (wanted.every((w) => titleWords.some((t) => t.startsWith(stem(w))))) {
      found.push({ kind, title, url });
    }
  }
  const order = ["theme", "district", "year", "resolution"];
  found.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return found.slice(0, 3);
}

function cut(result, mode) {
  const { rows, scores } = result;
  if (!rows.length) return [];
  const top = scores[0];
  const keep = mode === "lexical" ? (s) => s >= top * LEXICAL_CUT : (s) => s >= top - HYBRID_CUT;
  return rows.map((row, i) => ({ row, score: scores[i] })).filter((h) => keep(h.score));
}

/** Answer ``query`` by words, then (``refining``, the model loaded) by meaning. */
async function search(query, explicit, refining = true) {
  const generation = ++state.generation;
  if (!query.trim()) {
    close();
    return;
  }
  const shards = await open();
  if (generation !== state.generation) return;
  // after the typing pause the words' answer to this very text is already shown
  if (!(state.query === query && state.mode === "lexical" && !ui.panel.hidden)) {
    const [pages, lexical] = await Promise.all([namedPages(query), shards.lexicalTop(query, FETCHED)]);
    if (generation !== state.generation) return;
    state.pages = pages;
    state.query = query;
    state.corrected = lexical.corrected;
    state.hits = cut(lexical, "lexical");
    state.mode = "lexical";
    state.shown = FIRST;
    await render(generation);
  }
  if (!refining) return;
  if (explicit && (state.model === "idle" || state.model === "failed")) {
    // not awaited: the words' answer stays usable while the model loads; then the query shown
    // by then is refined
    startModel(false)
      .then(() => state.model === "ready" && state.query && refine(state.query, state.generation))
      .catch((error) => console.error("avgust search: refining failed", error));
  } else if (state.model === "ready") {
    await refine(query, generation);
  }
}

async function refine(query, generation) {
  const vector = await state.embed(query);
  if (generation !== state.generation) return;
  const result = await state.shards.hybrid(query, vector, FETCHED);
  if (generation !== state.generation) return;
  state.hits = cut(result, "hybrid");
  state.mode = "hybrid";
  await render(generation);
  announce(
    state.hits.length
      ? `Результаты уточнены по смыслу: ${state.hits.length}.`
      : "По смыслу близких поручений не нашлось.",
  );
}

/** Load the model unless the connection is metered and the visitor has not agreed. */
async function startModel(agreed) {
  const meta = state.shards.meta;
  if (!meta.semantic || !meta.ivf) {
    state.model = "unsupported";
    return;
  }
  const { isModelStored, modelBytes, createEmbedder, humanError } = await import("./embedder.js");
  const metered = navigator.connection?.saveData === true;
  if (!agreed && metered && !(await isModelStored(HERE, meta.files))) {
    state.model = "ask";
    state.modelSize = modelBytes(meta.files);
    renderNote();
    return;
  }
  state.model = "loading";
  root.dataset.model = "loading";
  state.loaded = 0;
  state.total = modelBytes(meta.files);
  renderNote();
  try {
    state.embed = await createEmbedder(HERE, meta.files, meta.model, (n) => {
      state.loaded += n;
      renderNote();
    });
    state.model = "ready";
  } catch (error) {
    console.error("avgust search: the model did not load", error);
    state.model = "failed";
    state.modelError = humanError(error);
  }
  root.dataset.model = state.model;
  renderNote();
}

// ------------------------------------------------------------------ the list

const ui = {
  input: root?.querySelector(".avg-hs-input"),
  form: root?.querySelector(".avg-hs-form"),
  panel: root?.querySelector(".avg-hs-panel"),
  list: root?.querySelector(".avg-hs-list"),
  note: root?.querySelector(".avg-hs-note"),
  live: root?.querySelector(".avg-hs-live"),
};

function announce(text) {
  ui.live.textContent = text;
}

const mb = (bytes) => (bytes / 1e6).toLocaleString("ru-RU", { maximumFractionDigits: 0 });

function renderNote() {
  ui.note.replaceChildren();
  if (state.corrected.length) {
    const fixes = state.corrected.map(([from, to]) => `«${from}» → «${to}»`).join(", ");
    ui.note.append(el("span", { text: `Исправлено: ${fixes}. ` }));
  }
  if (state.model === "loading") {
    ui.note.append(
      el("span", {
        text: `Загружаем модель поиска по смыслу: ${mb(state.loaded)} из ${mb(state.total)} МБ (один раз). Пока отвечает поиск по словам.`,
      }),
    );
  } else if (state.model === "ask") {
    const button = el("button", {
      type: "button",
      class: "avg-hs-load",
      text: `Загрузить модель (~${mb(state.modelSize)} МБ)`,
    });
    button.addEventListener("click", async () => {
      await startModel(true);
      if (state.model === "ready") await refine(ui.input.value, state.generation);
    });
    ui.note.append(
      el("span", { text: "Включена экономия трафика: поиск по смыслу ждёт вашего согласия. " }),
      button,
    );
  } else if (state.model === "failed") {
    const retry = el("button", { type: "button", class: "avg-hs-load avg-hs-retry", text: "Попробовать ещё раз" });
    retry.addEventListener("click", () => search(ui.input.value, true).catch(failed));
    ui.note.append(
      el("span", { text: `Поиск по смыслу недоступен: ${state.modelError}. Пока работает поиск по словам. ` }),
      retry,
    );
  } else if (state.mode === "lexical" && state.model === "idle" && state.shards?.meta.semantic) {
    ui.note.append(el("span", { text: "Поиск по словам. Нажмите Enter — поиск по смыслу." }));
  }
  ui.note.hidden = !ui.note.childNodes.length;
}

function where(record) {
  const parts = [record.district || "Район не указан"];
  if (record.year) parts.push(String(record.year));
  if (record.number) parts.push(`п. ${record.number}`);
  return parts.join(" · ");
}

/** A row of the grid: its link in the first cell (id), a directive's collect button in a second. */
function option(id, href, ...children) {
  const link = el("a", { href, tabindex: "-1" }, ...children);
  const cell = el("div", { id, role: "gridcell", class: "avg-hs-cell", "aria-selected": "false" }, link);
  return el("div", { role: "row", class: "avg-hs-option" }, cell);
}

function collectCell(row, id) {
  const collection = window.avgustCollection;
  if (!collection) return; // collection.js not on this page
  const button = collection.button(id);
  button.tabIndex = -1; // the focus stays in the box; the grid's active cell says where it is
  const cell = el("div", { id: `${row.firstChild.id}-c`, role: "gridcell", class: "avg-hs-cell avg-hs-collect", "aria-selected": "false" }, button);
  row.append(cell);
}

async function render(generation) {
  const shown = state.hits.slice(0, state.shown);
  const records = await state.shards.records(shown.map((h) => h.row));
  if (generation !== state.generation) return;
  const items = [];
  state.pages.forEach((page, i) => {
    items.push(
      option(
        `avg-hs-p${i}`,
        new URL(page.url, SITE).href,
        el("span", { class: "avg-hs-kind", text: KINDS[page.kind] ?? "" }),
        el("span", { class: "avg-hs-title", text: page.title }),
      ),
    );
    items.at(-1).dataset.kind = page.kind;
  });
  shown.forEach((hit, i) => {
    const r = records.get(hit.row);
    const details = [];
    if (r.addressee) details.push(`Кому: ${r.addressee}`);
    const deadline = r.deadline.replace(DEADLINE_LABEL, "").replace(/[\s.;]+$/u, "");
    if (deadline) details.push(`Срок: ${deadline}`);
    const themes = r.themes.map((s) => state.themes.get(s) ?? s).join(", ");
    if (themes) details.push(themes);
    const item = option(
      `avg-hs-d${i}`,
      new URL(r.url, SITE).href,
      el("span", { class: "avg-hs-where", text: where(r) }),
      el("span", { class: "avg-hs-text", text: r.text }),
      el("span", { class: "avg-hs-details", text: details.join(" · ") }),
    );
    item.dataset.id = r.id;
    item.dataset.score = hit.score.toFixed(3);
    item.dataset.kind = "directive";
    collectCell(item, r.id);
    items.push(item);
  });
  if (state.hits.length > state.shown) {
    const more = option("avg-hs-more", "#", el("span", { text: `Показать ещё (${state.hits.length - state.shown})` }));
    more.dataset.kind = "more";
    more.classList.add("avg-hs-more");
    items.push(more);
  }
  const full = new URL("poisk/", SITE);
  full.searchParams.set("q", ui.input.value.trim());
  const all = option("avg-hs-all", full.href, el("span", { text: "Все результаты и фильтры — «Поиск по смыслу»" }));
  all.dataset.kind = "all";
  all.classList.add("avg-hs-all");
  items.push(all);
  if (!shown.length && !state.pages.length) {
    items.unshift(message("Ничего не нашлось по словам запроса. Нажмите Enter — поиск по смыслу."));
  }
  ui.list.replaceChildren(...items);
  root.dataset.query = state.query;
  root.dataset.mode = state.mode;
  state.active = -1;
  state.column = 0;
  ui.input.removeAttribute("aria-activedescendant");
  renderNote();
  openPanel();
  if (state.mode === "lexical") {
    announce(shown.length ? `Найдено по словам: ${state.hits.length}.` : "По словам ничего не нашлось.");
  }
}

/** A row with one cell of text (no result). */
function message(text) {
  return el("div", { role: "row", class: "avg-hs-empty" }, el("div", { role: "gridcell", text }));
}

function options() {
  return [...ui.list.querySelectorAll(".avg-hs-option")];
}

/** Make the cell ``column`` of row ``index`` the active one (the last cell if it has fewer). */
function activate(index, column = 0) {
  const all = options();
  if (!all.length) return;
  state.active = (index + all.length) % all.length;
  const cells = [...all[state.active].querySelectorAll('[role="gridcell"]')];
  state.column = Math.max(0, Math.min(column, cells.length - 1));
  const current = cells[state.column];
  ui.list.querySelectorAll('[role="gridcell"]').forEach((cell) => {
    cell.setAttribute("aria-selected", String(cell === current));
    cell.classList.toggle("is-active", cell === current);
  });
  ui.input.setAttribute("aria-activedescendant", current.id);
  current.scrollIntoView({ block: "nearest" });
}

function choose(row, column = 0) {
  if (row.dataset.kind === "more") {
    state.shown += MORE;
    render(state.generation);
    return;
  }
  const button = row.querySelectorAll('[role="gridcell"]')[column]?.querySelector("button");
  if (button) {
    button.click(); // «В подборку»: the list stays open
    return;
  }
  location.href = row.querySelector("a").href;
  close();
}

function openPanel() {
  ui.panel.hidden = false;
  ui.input.setAttribute("aria-expanded", "true");
}

function close() {
  ui.panel.hidden = true;
  ui.input.setAttribute("aria-expanded", "false");
  ui.input.removeAttribute("aria-activedescendant");
  state.active = -1;
  state.column = 0;
}

/** One search by words at a time: a keystroke during one queues the latest text (the words'
 * answer follows the typing at once, without a pause that would count against it). */
const typing = { running: false, next: null };

async function typed(query) {
  typing.next = query;
  if (typing.running) return;
  typing.running = true;
  try {
    while (typing.next !== null) {
      const text = typing.next;
      typing.next = null;
      await search(text, false, false).catch(failed);
    }
  } finally {
    typing.running = false;
  }
}

function bind() {
  let timer = 0;
  ui.input.addEventListener("focus", () => {
    open().catch(() => {});
    if (ui.list.childNodes.length && ui.input.value.trim()) openPanel();
  });
  ui.input.addEventListener("input", () => {
    clearTimeout(timer);
    typed(ui.input.value);
    if (state.model === "ready") {
      timer = setTimeout(() => search(ui.input.value, false).catch(failed), REFINE_DELAY_MS);
    }
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search(ui.input.value, true).catch(failed);
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (ui.panel.hidden) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : state.active < 0 ? 0 : -1;
      activate(state.active + step, state.column);
    } else if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && state.active >= 0 && !ui.panel.hidden) {
      // within a row once one is active; before that the arrows move the caret
      event.preventDefault();
      activate(state.active, state.column + (event.key === "ArrowRight" ? 1 : -1));
    } else if (event.key === "Escape") {
      if (!ui.panel.hidden) close();
      else ui.input.value = "";
      event.preventDefault();
    } else if (event.key === "Enter" && state.active >= 0 && !ui.panel.hidden) {
      event.preventDefault();
      choose(options()[state.active], state.column);
    }
  });
  ui.list.addEventListener("click", (event) => {
    const item = event.target.closest(".avg-hs-option");
    if (item?.dataset.kind === "more") {
      event.preventDefault();
      choose(item);
    } else if (event.target.closest("button")) {
      // «В подборку» (its own handler): the list stays open, the focus goes back to the box
      ui.input.focus();
    } else if (item) {
      close(); // the link may lead to an anchor of this very page
    }
  });
  document.addEventListener("pointerdown", (event) => {
    if (!root.contains(event.target)) close();
  });
  root.addEventListener("focusout", (event) => {
    if (event.relatedTarget && !root.contains(event.relatedTarget)) close();
  });
}

function failed(error) {
  console.error("avgust search", error);
  ui.list.replaceChildren(message("Поиск не загрузился. Проверьте подключение к интернету и попробуйте ещё раз."));
  openPanel();
}

if (root && ui.input) {
  bind();
  window.avgustHeaderSearch = { state: () => ({ model: state.model, mode: state.mode }) };
  const query = new URL(location.href).searchParams.get("q");
  // the search page answers its own ?q= in full; elsewhere the box opens with the answer
  if (query && !document.getElementById("avg-search")) {
    ui.input.value = query;
    search(query, false).catch(failed);
  }
}
