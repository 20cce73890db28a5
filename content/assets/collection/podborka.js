// The collection page (content/podborka/): the chosen directives grouped by addressee or by
// theme, reordered with ↑/↓, exported as .docx (the vendored npm package docx, loaded only
// when asked for), Markdown or CSV, and shared as a link with the ids in the fragment
// (#ids=…), which offers to import them. Document text is set with textContent only.

import { collection, EVENT, loadDirectives, PAGE, say, validId } from "./collection.js";

const host = document.getElementById("avg-collection");
const GROUPINGS = { addressee: "По адресатам", theme: "По темам", none: "Одним списком" };
const NO_ADDRESSEE = "Всем участникам";
const NO_THEME = "Без темы";
let grouping = "addressee";
let entries = new Map();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const groupOf = (e) => {
  if (grouping === "none") return "Поручения";
  return grouping === "theme" ? e.themes[0] || NO_THEME : e.addressees || NO_ADDRESSEE;
};

// The groups in order of their first directive; each group's directives in collection order.
function groups(ids) {
  const out = new Map();
  for (const id of ids) {
    const e = entries.get(id);
    const name = e ? groupOf(e) : "Нет на сайте";
    if (!out.has(name)) out.set(name, []);
    out.get(name).push({ id, e });
  }
  return [...out].map(([name, items]) => ({ name, items }));
}

// Swap ``id`` with its neighbour in the same group (delta −1 up, +1 down).
function move(id, delta) {
  const ids = collection.ids();
  const group = groups(ids).find((g) => g.items.some((i) => i.id === id));
  const at = group.items.findIndex((i) => i.id === id);
  const other = group.items[at + delta];
  if (!other) return;
  const a = ids.indexOf(id);
  const b = ids.indexOf(other.id);
  [ids[a], ids[b]] = [ids[b], ids[a]];
  refocus = { id, first: delta < 0 ? "up" : "down", then: delta < 0 ? "down" : "up" };
  collection.set(ids);
  say(delta < 0 ? "Поручение поднято выше" : "Поручение опущено ниже");
}

// After a move the list is drawn anew: the focus stays on the moved directive's button.
let refocus = null;
function restoreFocus() {
  if (!refocus) return;
  const li = host.querySelector(`li[data-id="${CSS.escape(refocus.id)}"]`);
  const button = li?.querySelector(`.avg-move-${refocus.first}`);
  const fallback = li?.querySelector(`.avg-move-${refocus.then}`);
  refocus = null;
  (button && !button.disabled ? button : fallback)?.focus();
}

function toolbar(ids) {
  const radios = Object.entries(GROUPINGS).map(([value, label]) =>
    el(
      "label",
      {},
      el("input", {
        type: "radio",
        name: "avg-grouping",
        value,
        ...(value === grouping ? { checked: "" } : {}),
        onchange: () => {
          grouping = value;
          render();
        },
      }),
      ` ${label}`,
    ),
  );
  const share = el("input", {
    class: "avg-share-link",
    type: "url",
    readonly: "",
    "aria-label": "Ссылка на подборку",
    value: shareLink(ids),
  });
  return el(
    "div",
    { class: "avg-collection-tools" },
    el("fieldset", { class: "avg-grouping" }, el("legend", { text: "Группировать" }), ...radios),
    el(
      "div",
      { class: "avg-export", role: "group", "aria-label": "Скачать подборку" },
      el("span", { text: "Скачать:" }),
      el("button", { type: "button", class: "avg-export-docx", text: "Word (.docx)", onclick: exportDocx }),
      el("button", { type: "button", class: "avg-export-md", text: "Markdown", onclick: exportMarkdown }),
      el("button", { type: "button", class: "avg-export-csv", text: "CSV", onclick: exportCsv }),
    ),
    el(
      "div",
      { class: "avg-share" },
      el("button", {
        type: "button",
        class: "avg-share-copy",
        text: "Скопировать ссылку на подборку",
        onclick: () => {
          share.select();
          navigator.clipboard?.writeText(share.value).then(
            () => say("Ссылка на подборку скопирована"),
            () => say("Ссылка выделена: скопируйте её"),
          );
        },
      }),
      share,
    ),
  );
}

function item(id, e, first, last) {
  const li = el("li", { class: "avg-collection-item", "data-id": id });
  if (e) {
    li.append(el("p", { class: "avg-collection-text", text: e.text }));
    li.append(
      el("p", { class: "avg-collection-source" }, el("a", { href: e.url, text: e.source })),
    );
  } else {
    li.append(el("p", { class: "avg-collection-text", text: `Поручения ${id} больше нет на сайте.` }));
  }
  const label = e ? e.source : id;
  li.append(
    el(
      "div",
      { class: "avg-collection-actions" },
      el("button", {
        type: "button",
        class: "avg-move-up",
        "aria-label": `Выше: ${label}`,
        text: "↑",
        ...(first ? { disabled: "" } : {}),
        onclick: () => move(id, -1),
      }),
      el("button", {
        type: "button",
        class: "avg-move-down",
        "aria-label": `Ниже: ${label}`,
        text: "↓",
        ...(last ? { disabled: "" } : {}),
        onclick: () => move(id, +1),
      }),
      el("button", {
        type: "button",
        class: "avg-remove",
        "aria-label": `Убрать: ${label}`,
        text: "Убрать",
        onclick: () => {
          collection.remove(id);
          say("Убрано из подборки");
        },
      }),
    ),
  );
  return li;
}

function render() {
  const ids = collection.ids();
  const body = [];
  if (!ids.length) {
    body.push(
      el("p", {
        class: "avg-collection-empty",
        text:
          "Подборка пуста. Нажмите «+ В подборку» у любого поручения — на странице решения, " +
          "темы, района, в поиске или в похожих поручениях.",
      }),
    );
  } else {
    body.push(toolbar(ids));
    const list = el("div", { class: "avg-collection-list" });
    groups(ids).forEach((g, n) => {
      list.append(el("h2", { id: `gruppa-${n + 1}`, text: `${g.name} (${g.items.length})` }));
      const ol = el("ol");
      g.items.forEach(({ id, e }, i) => ol.append(item(id, e, i === 0, i === g.items.length - 1)));
      list.append(ol);
    });
    body.push(list);
  }
  const offer = host.querySelector(".avg-import");
  host.replaceChildren(...(offer ? [offer] : []), ...body);
  restoreFocus();
  host.dataset.ready = "1";
}

let latest = 0;
async function update() {
  const mine = ++latest;
  const loaded = await loadDirectives(collection.ids());
  if (mine !== latest) return; // a newer change is being loaded
  entries = loaded;
  render();
}

// --- sharing -----------------------------------------------------------------------------

function shareLink(ids) {
  return `${PAGE.href}#ids=${ids.map(encodeURIComponent).join(",")}`;
}

function sharedIds() {
  const match = /^#ids=(.*)$/.exec(location.hash);
  if (!match) return [];
  return [...new Set(match[1].split(",").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return "";
    }
  }).filter(validId))];
}

function offerImport(shared) {
  const mine = collection.ids();
  const fresh = shared.filter((id) => !mine.includes(id));
  const done = (text) => {
    history.replaceState(null, "", location.pathname + location.search);
    box.remove();
    say(text);
  };
  const box = el(
    "div",
    { class: "avg-import", role: "region", "aria-label": "Подборка по ссылке" },
    el("p", {
      text:
        `По ссылке — подборка из ${shared.length} поруч.` +
        (mine.length ? ` Новых для вашей подборки: ${fresh.length}.` : ""),
    }),
    el("button", {
      type: "button",
      class: "avg-import-add",
      text: mine.length ? "Добавить к моей подборке" : "Открыть как мою подборку",
      onclick: () => {
        collection.set([...mine, ...fresh]);
        done(`Добавлено поручений: ${fresh.length}`);
      },
    }),
    mine.length
      ? el("button", {
          type: "button",
          class: "avg-import-replace",
          text: "Заменить мою подборку",
          onclick: () => {
            collection.set(shared);
            done("Подборка заменена");
          },
        })
      : null,
    el("button", { type: "button", class: "avg-import-cancel", text: "Не добавлять", onclick: () => done("Подборка по ссылке не добавлена") }),
  );
  host.prepend(box);
}

// --- exports -----------------------------------------------------------------------------

function exported() {
  return groups(collection.ids())
    .map((g) => ({ name: g.name, items: g.items.map((i) => i.e).filter(Boolean) }))
    .filter((g) => g.items.length);
}

function download(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

const today = () => new Date().toISOString().slice(0, 10);
const TITLE = "Подборка поручений";

const mdEscape = (text) =>
  text.replace(/\s+/g, " ").trim().replace(/[\\`*_{}[\]()<>#|~!]/g, "\\$&").replace(/^([-+=]|\d+[.)])/, "\\$1");

function exportMarkdown() {
  const lines = [`# ${TITLE}`, ""];
  for (const g of exported()) {
    lines.push(`## ${mdEscape(g.name)}`, "");
    for (const e of g.items) {
      lines.push(`- ${mdEscape(e.text)}`, `  *${mdEscape(e.source)}* — <${encodeURI(e.url)}>`);
    }
    lines.push("");
  }
  download(new Blob([lines.join("\n")], { type: "text/markdown;charset=utf-8" }), `podborka-${today()}.md`);
}

// A spreadsheet runs a cell that starts with = + - @ (or a tab/CR) as a formula: prefix "'".
const cell = (value) => {
  const text = String(value ?? "");
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
};

function exportCsv() {
  const rows = [["группа", "текст", "источник", "район", "дата", "пункт", "адресаты", "темы", "адрес"]];
  for (const g of exported()) {
    for (const e of g.items) {
      rows.push([g.name, e.text, e.source, e.res.district, e.res.date, e.d.number, e.addressees, e.themes.join("; "), e.url]);
    }
  }
  const text = "\ufeff" + rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
  download(new Blob([text], { type: "text/csv;charset=utf-8" }), `podborka-${today()}.csv`);
}

let docxLoading;
function loadDocx() {
  docxLoading ??= new Promise((resolve, reject) => {
    const script = el("script", { src: new URL("docx.js", import.meta.url).href });
    script.addEventListener("load", () => (window.docx ? resolve(window.docx) : reject(new Error("docx"))));
    script.addEventListener("error", () => reject(new Error("docx")));
    document.head.append(script);
  });
  return docxLoading;
}

async function exportDocx() {
  let docx;
  try {
    docx = await loadDocx();
  } catch {
    docxLoading = undefined;
    say("Экспорт в Word недоступен: на сайте нет библиотеки docx. Скачайте Markdown или CSV.");
    return;
  }
  const { Document, Packer, Paragraph, TextRun, HeadingLevel, FootnoteReferenceRun } = docx;
  const footnotes = {};
  const children = [new Paragraph({ text: TITLE, heading: HeadingLevel.TITLE })];
  let n = 0;
  for (const g of exported()) {
    children.push(new Paragraph({ text: g.name, heading: HeadingLevel.HEADING_1 }));
    for (const e of g.items) {
      n += 1;
      footnotes[n] = { children: [new Paragraph({ children: [new TextRun(`${e.source}. ${e.url}`)] })] };
      children.push(new Paragraph({ children: [new TextRun(e.text), new FootnoteReferenceRun(n)] }));
    }
  }
  const doc = new Document({
    creator: "avgust",
    title: TITLE,
    language: "ru-RU",
    footnotes,
    sections: [{ children }],
  });
  download(await Packer.toBlob(doc), `podborka-${today()}.docx`);
  say("Документ Word скачан");
}

// --- start -------------------------------------------------------------------------------

if (host) {
  const shared = sharedIds();
  window.addEventListener(EVENT, update);
  await update();
  if (shared.length) offerImport(shared);
}
