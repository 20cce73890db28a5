// avgust: «Поиск по смыслу», the search page. Loaded only by the page whose front matter says
// `semantic_search: true` (the MkDocs hook in avgust/browser/export.py adds this script).
//
// On opening, the page reads assets/search/meta.json (a few KB) and can search by words at
// once: each query fetches only the shards it needs (shards.js reads them, fusion.js ranks), so
// what a visitor downloads does not grow with the corpus. The first search also starts loading
// the model (multilingual-e5-small for onnxruntime-web, its wasm runtime and the tokenizer,
// ~40 MB), kept in the Cache API so that the next visit loads nothing; while it loads, or where
// WebAssembly is missing, the lexical search answers and says so. Everything comes from this site.
//
// Document text is only ever put into the page with textContent (no innerHTML).

import { humanError } from "./embedder.js";
import { ShardedRanker } from "./fusion.js";
import { Shards } from "./shards.js";

const HERE = new URL("./", import.meta.url); // assets/search/
const SITE = new URL("../../", import.meta.url); // the site root
const CACHE = "avgust-search";
const PAGE_SIZE = 10;
// by meaning, the first page stops where the scores fall below this share of the best one
// (fewer than 10 when the rest is noise; «Показать ещё» shows them): on the relevance set it
// drops 40 % of the unrelated results and 4 % of the relevant ones (scripts/eval_search.py data)
const RELEVANCE_CUT = 0.2;
const TYPE_DELAY_MS = 350;
const WARM_UP = "проверка модели";
const EXAMPLES = [
  ["наставничество", "ru"],
  ["mentoring for young teachers", "en"],
  ["наставництво молодих учителів", "uk"],
  ["Mentoring für junge Lehrkräfte", "de"],
  ["горячее питание школьников", "ru"],
];
// "Срок исполнения: …" as written in a document (avgust/ru/format.py strips it the same way)
const DEADLINE_LABEL = /^\s*сроки?\s*(исполнения)?\s*[:.-]?\s*/iu;
// the page's own URL parameter for the query ("q" opens the theme's built-in search)
const QUERY_PARAM = "query";
// the files of the model, in the order they are fetched
const MODEL_FILES = ["theme_vectors", "tokenizer", "tokenizer_config", "wasm", "model"];

const state = {
  data: null,
  ranker: null,
  model: "idle", // idle | loading | ready | failed | unsupported
  modelError: "",
  modelPromise: null,
  session: null,
  tokenizer: null,
  ort: null,
  loaded: 0,
  total: 0,
  lastMode: null,
  generation: 0,
  shown: PAGE_SIZE,
};
const ui = {};

// ------------------------------------------------------------------ small DOM helpers

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

const mb = (bytes) => (bytes / 1e6).toLocaleString("ru-RU", { maximumFractionDigits: 0 });
const seconds = (ms) => (ms / 1000).toLocaleString("ru-RU", { maximumFractionDigits: 2 });

function plural(n, one, few, many) {
  const tens = n % 100;
  const units = n % 10;
  if (tens >= 11 && tens <= 14) return `${n} ${many}`;
  if (units === 1) return `${n} ${one}`;
  if (units >= 2 && units <= 4) return `${n} ${few}`;
  return `${n} ${many}`;
}

// ------------------------------------------------------------------ data and model

function fileUrl(file) {
  const url = new URL(file.path, HERE);
  url.searchParams.set("v", file.sha256.slice(0, 16)); // a new build, a new cache entry
  return url.href;
}

async function openCache() {
  try {
    return "caches" in self ? await caches.open(CACHE) : null;
  } catch {
    return null; // not a secure context, storage disabled
  }
}

/** The bytes of one file: from the Cache API if stored, else downloaded (and stored). */
async function fetchBytes(file, cache, onBytes) {
  const url = fileUrl(file);
  let response = cache ? await cache.match(url) : undefined;
  const stored = Boolean(response);
  if (!response) {
    response = await fetch(url);
    if (!response.ok) throw new Error(`${file.path}: HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(file.bytes);
  let at = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > bytes.length) throw new Error(`${file.path}: larger than expected`);
    bytes.set(value, at);
    at += value.length;
    onBytes(value.length);
  }
  if (at !== file.bytes) throw new Error(`${file.path}: ${at} bytes, expected ${file.bytes}`);
  if (!stored && cache) {
    await cache.put(url, new Response(bytes)).catch(() => {}); // quota: just download again
  }
  return file.gzip ? gunzip(bytes) : bytes;
}

/** A file stored gzipped (the model) as the bytes it holds. */
async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}


async function isModelStored() {
  const cache = await openCache();
  if (!cache || !state.data.semantic) return false;
  const files = state.data.files;
  const found = await Promise.all(MODEL_FILES.map((name) => cache.match(fileUrl(files[name]))));
  return found.every(Boolean);
}

function wasmSupported() {
  try {
    return (
      typeof WebAssembly === "object" &&
      WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
    );
  } catch {
    return false;
  }
}

/** Load model, runtime and vectors once; resolves when a query can be embedded. */
function loadModel() {
  if (state.model === "failed") state.modelPromise = null; // a new explicit search tries again
  if (!state.modelPromise) state.modelPromise = doLoadModel();
  return state.modelPromise;
}

async function doLoadModel() {
  const data = state.data;
  if (!data.semantic) {
    setModel("unsupported", "на этом сайте поиск по смыслу не собран");
    return false;
  }
  if (!wasmSupported()) {
    setModel("unsupported", "браузер не умеет исполнять модель (нет WebAssembly)");
    return false;
  }
  const files = data.files;
  state.total = MODEL_FILES.reduce((sum, name) => sum + files[name].bytes, 0);
  state.loaded = 0;
  setModel("loading");
  try {
    const cache = await openCache();
    const onBytes = (n) => {
      state.loaded += n;
      showProgress();
    };
    const [themeVectors, tokenizerJson, tokenizerConfig, wasm, model] = await Promise.all(
      MODEL_FILES.map((name) => fetchBytes(files[name], cache, onBytes)),
    );
    const [ort, tokenizers] = await Promise.all([
      import(fileUrl(files.ort)),
      import(fileUrl(files.tokenizers)),
    ]);
    ort.env.wasm.numThreads = 1; // GitHub Pages: no cross-origin isolation, no threads
    ort.env.wasm.wasmPaths = { mjs: fileUrl(files.ort_glue) };
    ort.env.wasm.wasmBinary = wasm;
    ort.env.logLevel = "error";
    const text = new TextDecoder();
    state.tokenizer = new tokenizers.Tokenizer(
      JSON.parse(text.decode(tokenizerJson)),
      JSON.parse(text.decode(tokenizerConfig)),
    );
    state.session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
    state.ort = ort;
    state.ranker.themeVectors = new Float32Array(
      themeVectors.buffer,
      themeVectors.byteOffset,
      themeVectors.byteLength / 4,
    );
    await embed(WARM_UP); // the first run of the wasm is slow: pay it now, not on a query
    if (cache) await forgetOldFiles(cache);
    setModel("ready");
    return true;
  } catch (error) {
    console.error("avgust search: the model did not load", error);
    setModel("failed", humanError(error));
    return false;
  }
}

async function forgetOldFiles(cache) {
  const keep = new Set(MODEL_FILES.map((name) => fileUrl(state.data.files[name])));
  for (const request of await cache.keys()) {
    if (!keep.has(request.url)) await cache.delete(request);
  }
}

/** The query's e5 vector (Float32Array, L2-normalised by the model). */
async function embed(query) {
  const { max_tokens: maxTokens, query_prefix: prefix, output, inputs } = state.data.model;
  const started = performance.now();
  let ids = state.tokenizer.encode(prefix + query).ids;
  if (ids.length > maxTokens) ids = [...ids.slice(0, maxTokens - 1), ids.at(-1)];
  const tokenized = performance.now();
  const ort = state.ort;
  const shape = [1, ids.length];
  const feeds = {
    [inputs[0]]: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), shape),
    [inputs[1]]: new ort.Tensor("int64", new BigInt64Array(ids.length).fill(1n), shape),
  };
  const result = await state.session.run(feeds);
  const infer = performance.now() - tokenized;
  state.lastEmbed = { tokens: ids.length, tokenize: tokenized - started, infer };
  return result[output].data;
}

/**
 * Search: {mode, hits: [{id, score}], ms: {embed, rank, total}}. mode "auto" ranks by meaning
 * when the model is ready and by words otherwise; "hybrid"/"dense" wait for the model.
 */
async function run(query, options = {}) {
  const { k = PAGE_SIZE, district = null, theme = null, year = null, mode = "auto" } = options;
  const started = performance.now();
  let vector = null;
  let embedMs = 0;
  let used = mode;
  if (mode === "auto") used = state.model === "ready" ? "hybrid" : "lexical";
  if (used !== "lexical") {
    if (!(await loadModel())) throw new Error(`the model is ${state.model}: ${state.modelError}`);
    vector = await embed(query);
    embedMs = performance.now() - started;
  }
  const rankStart = performance.now();
  const chosen = { k, district, theme, year, mode: used };
  const { rows, scores } = await state.ranker.rank(query, vector, chosen);
  const records = await state.shards.records(rows);
  const end = performance.now();
  const hits = rows.map((row, i) => {
    const record = records.get(row);
    return { id: record.id, row, record, score: scores[i] };
  });
  return {
    mode: used,
    hits,
    ms: { embed: embedMs, rank: end - rankStart, total: end - started },
    embedding: used === "lexical" ? null : { ...state.lastEmbed },
  };
}

// ------------------------------------------------------------------ the page

function build(root) {
  root.replaceChildren();
  const data = state.data;
  ui.input = el("input", {
    id: "avg-q",
    type: "search",
    name: QUERY_PARAM,
    placeholder: "Например: наставничество молодых педагогов",
    autocomplete: "off",
    spellcheck: "false",
    "aria-label": "Что ищем",
  });
  ui.form = el(
    "form",
    { class: "avg-search-form", role: "search" },
    ui.input,
    el("button", { type: "submit", class: "md-button md-button--primary", text: "Найти" }),
  );
  ui.theme = select("theme", "Все темы", data.themes.map((t) => [t.slug, t.name]));
  ui.district = select("district", "Все районы", data.districts.map((d) => [d, d]));
  ui.year = select("year", "Все годы", data.years.map((y) => [String(y), String(y)]));
  const filters = el(
    "div",
    { class: "avg-search-filters" },
    label("Тема", ui.theme),
    label("Район", ui.district),
    label("Год", ui.year),
  );
  const examples = el("p", { class: "avg-search-examples" }, el("span", { text: "Попробуйте: " }));
  for (const [example, lang] of EXAMPLES) {
    const button = el("button", { type: "button", class: "avg-search-example", lang, text: example });
    button.addEventListener("click", () => {
      ui.input.value = example;
      search(true, true);
    });
    examples.append(button, " ");
  }
  ui.progress = el("progress", { max: "1", value: "0" });
  ui.progressText = el("span", { class: "avg-search-progress-text" });
  ui.model = el("div", { class: "avg-search-model", hidden: "" }, ui.progress, ui.progressText);
  ui.status = el("p", { class: "avg-search-status", role: "status", "aria-live": "polite" });
  ui.notice = el("p", { class: "avg-search-notice" });
  ui.results = el("ol", { class: "avg-search-results" });
  ui.more = el("button", {
    type: "button",
    class: "md-button avg-search-more",
    hidden: "",
    text: "Показать ещё",
  });
  root.append(ui.form, filters, examples, ui.model, ui.notice, ui.status, ui.results, ui.more);

  let timer = 0;
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search(true, true);
  });
  ui.input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(true), TYPE_DELAY_MS);
  });
  for (const box of [ui.theme, ui.district, ui.year]) {
    box.addEventListener("change", () => search(true));
  }
  ui.more.addEventListener("click", () => {
    state.shown = (state.visible ?? 0) + PAGE_SIZE;
    search(false);
  });
}

function select(name, all, options) {
  const box = el("select", { name }, el("option", { value: "", text: all }));
  for (const [value, text] of options) box.append(el("option", { value, text }));
  return box;
}

function label(text, control) {
  return el("label", { class: "avg-search-filter" }, el("span", { text }), control);
}

function filters() {
  return {
    theme: ui.theme.value || null,
    district: ui.district.value || null,
    year: ui.year.value ? Number(ui.year.value) : null,
  };
}

function setModel(model, error = "") {
  state.model = model;
  state.modelError = error;
  state.root.dataset.model = model;
  if (model === "loading") {
    ui.model.hidden = false;
    showProgress();
  } else {
    ui.model.hidden = true;
  }
  if (model === "ready" && ui.input.value.trim()) search(false); // the lexical answer gets replaced
  else showNotice();
}

function showProgress() {
  const fraction = state.total ? state.loaded / state.total : 0;
  ui.progress.value = fraction;
  const done = state.loaded >= state.total;
  ui.progressText.textContent = done
    ? "Модель загружена, готовим её к работе…"
    : `Загружаем модель: ${mb(state.loaded)} из ${mb(state.total)} МБ. ` +
      "Это нужно один раз: браузер сохранит её для следующих посещений.";
}

function showNotice() {
  const semantic = state.data.semantic;
  let text = "";
  if (state.model === "idle" && semantic) {
    const size = MODEL_FILES.reduce((sum, name) => sum + state.data.files[name].bytes, 0);
    text = state.stored
      ? "Модель поиска по смыслу уже сохранена в браузере: поиск начнётся сразу."
      : `При первом запросе загрузится модель поиска по смыслу, ~${mb(size)} МБ, один раз.`;
  } else if (state.model === "loading") {
    text = "Пока загружается модель, отвечает поиск по словам.";
  } else if (state.model === "unsupported") {
    text = `Поиск по смыслу недоступен: ${state.modelError}. Работает поиск по словам.`;
  } else if (state.model === "failed") {
    const retry = el("button", { type: "button", class: "md-button avg-search-retry", text: "Попробовать ещё раз" });
    retry.addEventListener("click", () => search(false, true));
    ui.notice.replaceChildren(
      `Поиск по смыслу недоступен: ${state.modelError}. Пока работает поиск по словам. `,
      retry,
    );
    ui.notice.hidden = false;
    return;
  } else if (state.model === "ask") {
    const size = MODEL_FILES.reduce((sum, name) => sum + state.data.files[name].bytes, 0);
    const button = el("button", { type: "button", class: "md-button", text: `Загрузить (~${mb(size)} МБ)` });
    button.addEventListener("click", () => {
      state.model = "idle";
      search(false, true, true);
    });
    ui.notice.replaceChildren(
      "Включена экономия трафика: модель поиска по смыслу загрузится, только если вы согласитесь. ",
      button,
    );
    ui.notice.hidden = false;
    return;
  }
  ui.notice.textContent = text;
  ui.notice.hidden = !text;
}

/**
 * reset: from the first result on; explicit: Enter, the button or an example (only then is the
 * model loaded, and on a metered connection only when agreed).
 */
async function search(reset, explicit = false, agreed = false) {
  const query = ui.input.value.trim();
  const chosen = filters();
  remember(query, chosen);
  if (reset) state.shown = PAGE_SIZE;
  const generation = ++state.generation;
  if (!query) {
    ui.results.replaceChildren();
    ui.status.textContent = "";
    ui.more.hidden = true;
    state.root.dataset.mode = "";
    return;
  }
  if ((state.model === "idle" || state.model === "failed") && explicit) {
    const metered = navigator.connection?.saveData === true;
    if (metered && !agreed && !state.stored) state.model = "ask";
    else loadModel(); // not awaited: words answer meanwhile
  }
  showNotice();
  let result;
  try {
    result = await run(query, { ...chosen, k: state.shown + 1 });
  } catch (error) {
    if (generation !== state.generation) return;
    console.error("avgust search", error);
    ui.status.textContent = "Поиск не удался. Проверьте подключение к интернету и попробуйте ещё раз.";
    return;
  }
  if (generation !== state.generation) return; // a newer search is under way
  render(query, result);
}

function render(query, result) {
  const lexical = result.mode === "lexical";
  // words that match nothing score 0: those directives are no answer
  const hits = lexical ? result.hits.filter((hit) => hit.score > 0) : result.hits;
  let count = state.shown;
  if (!lexical && state.shown === PAGE_SIZE && hits.length && hits[0].score > 0) {
    const floor = hits[0].score * RELEVANCE_CUT;
    count = Math.min(count, hits.filter((hit) => hit.score >= floor).length);
  }
  const shown = hits.slice(0, count);
  state.visible = shown.length;
  state.root.dataset.mode = result.mode;
  state.lastMode = result.mode;
  ui.results.replaceChildren(...shown.map((hit, i) => item(hit, i)));
  ui.more.hidden = hits.length <= shown.length;
  const total = plural(state.data.count, "поручения", "поручений", "поручений");
  if (lexical) {
    ui.status.textContent = shown.length
      ? `Поиск по словам: ${plural(shown.length, "совпадение", "совпадения", "совпадений")} ` +
        `среди ${total}.`
      : "По словам запроса ничего не нашлось." +
        (state.model === "loading" ? " Поиск по смыслу найдёт поручения и без общих слов." : "");
  } else {
    // said when the lexical answer is replaced in place, so a screen reader hears the switch
    const refined = state.shownMode === "lexical" ? " Результаты уточнены по смыслу." : "";
    const rest = hits.length > shown.length ? " Остальные дальше по смыслу: «Показать ещё»." : "";
    ui.status.textContent =
      `Поиск по смыслу: ${shown.length} самых близких к запросу среди ${total} ` +
      `(${seconds(result.ms.total)} с).${refined}${rest}`;
  }
  state.shownMode = result.mode;
  showNotice();
}

function item(hit, position) {
  const record = hit.record;
  const names = new Map(state.data.themes.map((t) => [t.slug, t.name]));
  const href = new URL(record.url, SITE).href;
  const link = el("a", { class: "avg-result-text", href, text: record.text });
  const where = [record.district || "Район не указан"];
  if (record.year) where.push(String(record.year));
  if (record.number) where.push(`п. ${record.number}`);
  const meta = el("div", { class: "avg-result-where", text: where.join(" · ") });
  const details = el("div", { class: "avg-result-details" });
  if (record.addressee) {
    const text = `Кому: ${record.addressee}`;
    details.append(el("span", { class: "avg-result-addressee", text }));
  }
  const deadline = (record.deadline ?? "").replace(DEADLINE_LABEL, "").replace(/[\s.;]+$/u, "");
  if (deadline) details.append(el("span", { class: "avg-deadline", text: `Срок: ${deadline}` }));
  if (record.responsible) {
    const text = `Ответственные: ${record.responsible}`;
    details.append(el("span", { class: "avg-result-responsible", text }));
  }
  for (const slug of record.themes) {
    details.append(el("span", { class: "avg-tag", text: names.get(slug) ?? slug }));
  }
  const entry = el("li", { class: "avg-result" }, meta, link, details);
  entry.dataset.id = record.id;
  entry.dataset.directive = record.id; // collection.js adds its «В подборку» button
  entry.dataset.score = hit.score.toFixed(4);
  entry.dataset.rank = String(position + 1);
  return entry;
}

function remember(query, chosen) {
  const url = new URL(location.href);
  for (const [key, value] of Object.entries({ [QUERY_PARAM]: query, ...chosen })) {
    if (value === null || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, String(value));
  }
  history.replaceState(null, "", url);
}

function restore() {
  const params = new URL(location.href).searchParams;
  ui.input.value = params.get(QUERY_PARAM) ?? params.get("q") ?? ""; // q: the header box
  for (const key of ["theme", "district", "year"]) {
    const value = params.get(key);
    if (value && [...ui[key].options].some((o) => o.value === value)) ui[key].value = value;
  }
  return Boolean(ui.input.value.trim());
}

async function main() {
  const root = document.getElementById("avg-search");
  if (!root) return;
  state.root = root;
  root.dataset.model = "idle";
  let ready;
  const api = {
    ready: new Promise((resolve) => {
      ready = resolve;
    }),
    loadModel,
    run,
    // rank with a given query vector (checks the ranking apart from the model)
    // (no model needed: only the theme vectors, fetched here if the model has not brought them)
    rankVector: async (query, vector, options = {}) => {
      if (!state.data.dim) throw new Error("this site has no directive vectors");
      if (!state.ranker.themeVectors && state.data.files?.theme_vectors) {
        const bytes = await fetchBytes(state.data.files.theme_vectors, null, () => {});
        state.ranker.themeVectors = new Float32Array(bytes.buffer, 0, bytes.byteLength / 4);
      }
      const ranked = await state.ranker.rank(query, Float32Array.from(vector), options);
      const records = await state.shards.records(ranked.rows);
      return ranked.rows.map((row, i) => ({ id: records.get(row).id, score: ranked.scores[i] }));
    },
    state: () => ({
      model: state.model,
      error: state.modelError,
      mode: state.lastMode,
      loaded: state.loaded,
      total: state.total,
    }),
  };
  window.avgustSearch = api;
  try {
    const response = await fetch(new URL("meta.json", HERE));
    if (!response.ok) throw new Error(`meta.json: HTTP ${response.status}`);
    state.data = await response.json();
    const load = async (path) => {
      const file = await fetch(new URL(path, HERE));
      if (!file.ok) throw new Error(`${path}: HTTP ${file.status}`);
      return new Uint8Array(await file.arrayBuffer());
    };
    state.shards = new Shards(state.data, load);
    state.page = await state.shards.file(state.data.page); // fusion, theme rules, filters
    state.data = { ...state.data, ...state.page };
  } catch (error) {
    console.error("avgust search: the search data did not load", error);
    const retry = el("button", { type: "button", class: "md-button", text: "Обновить страницу" });
    retry.addEventListener("click", () => location.reload());
    root.replaceChildren(
      el("p", { text: "Поиск не загрузился. Проверьте подключение к интернету и обновите страницу. " }, retry),
    );
    return;
  }
  state.ranker = new ShardedRanker(state.shards, state.page);
  build(root);
  state.stored = await isModelStored();
  showNotice();
  root.dataset.ready = "true";
  ready();
  if (restore()) search(true);
}

main();
