// The comparison page (content/sravnenie/): two to four districts side by side, theme by
// theme, from the open data — data/rajony.json (the districts, a line each), and for the
// chosen districts only data/d/<key>.json (their resolutions) and data/r/<slug>.json.gz. The choice is kept in the fragment
// (#rajony=<key>,<key>) so a comparison can be linked. Text is set with textContent only.

import { loadResolution, ROOT } from "./collection.js";

const host = document.getElementById("avg-compare");
const MAX = 4;
const NO_THEME = "__none__";

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

function chosenKeys(known) {
  const match = /^#rajony=(.*)$/.exec(location.hash);
  if (!match) return [];
  return [...new Set(match[1].split(",").map(decodeURIComponent))].filter((k) => known.has(k)).slice(0, MAX);
}

const districtFiles = new Map();
function loadDistrict(key) {
  if (!districtFiles.has(key)) {
    const url = new URL(`data/d/${encodeURIComponent(key)}.json`, ROOT);
    districtFiles.set(key, fetch(url).then((r) => (r.ok ? r.json() : { key, name: key, page: "rajony/", resolutions: [] })));
  }
  return districtFiles.get(key);
}

async function start() {
  let data;
  try {
    const response = await fetch(new URL("data/rajony.json", ROOT));
    data = await response.json();
  } catch {
    host.replaceChildren(el("p", { text: "Не удалось загрузить список районов." }));
    return;
  }
  const byKey = new Map(data.districts.map((d) => [d.key, d]));
  const themeNames = new Map(data.themes.map((t) => [t.slug, t.name]));
  let chosen = chosenKeys(byKey);
  let theme = "";

  const boxes = data.districts.map((d) => {
    const years = d.years.join(", ");
    const input = el("input", { type: "checkbox", value: d.key, ...(chosen.includes(d.key) ? { checked: "" } : {}) });
    input.addEventListener("change", () => {
      chosen = input.checked ? [...chosen, d.key] : chosen.filter((k) => k !== d.key);
      history.replaceState(null, "", chosen.length ? `#rajony=${chosen.map(encodeURIComponent).join(",")}` : location.pathname);
      show();
    });
    return el("label", { class: "avg-cmp-choice" }, input, ` ${d.name}${years ? ` (${years})` : ""}`);
  });
  const select = el(
    "select",
    { class: "avg-cmp-theme-select", "aria-label": "Тема" },
    el("option", { value: "", text: "Все темы" }),
    ...data.themes.map((t) => el("option", { value: t.slug, text: t.name })),
  );
  select.addEventListener("change", () => {
    theme = select.value;
    show();
  });
  const result = el("div", { class: "avg-cmp-result", "aria-live": "polite" });
  host.replaceChildren(
    el(
      "form",
      { class: "avg-cmp-form", onsubmit: (e) => e.preventDefault() },
      el("fieldset", {}, el("legend", { text: `Районы (от 2 до ${MAX})` }), ...boxes),
      el("label", { class: "avg-cmp-theme" }, "Тема: ", select),
    ),
    result,
  );

  let latest = 0;
  async function show() {
    const mine = ++latest;
    boxes.forEach((label) => {
      const input = label.querySelector("input");
      input.disabled = !input.checked && chosen.length >= MAX;
    });
    if (chosen.length < 2) {
      result.replaceChildren(el("p", { class: "avg-cmp-hint", text: "Выберите от двух до четырёх районов." }));
      host.dataset.ready = "1";
      return;
    }
    const districts = await Promise.all(chosen.map(loadDistrict));
    const columns = await Promise.all(
      districts.map(async (d) => {
        const loaded = await Promise.all(d.resolutions.map((r) => loadResolution(r.slug)));
        return loaded.filter(Boolean).flatMap((res) => res.directives.map((x) => ({ res, d: x })));
      }),
    );
    if (mine !== latest) return;
    const themes = theme ? [theme] : [...data.themes.map((t) => t.slug), NO_THEME];
    const sections = [];
    for (const slug of themes) {
      const per = columns.map((items) =>
        items.filter(({ d }) => (slug === NO_THEME ? !d.themes.length : d.themes.includes(slug))),
      );
      if (!theme && per.every((items) => !items.length)) continue;
      const name = slug === NO_THEME ? "Без темы" : themeNames.get(slug) || slug;
      const cols = el("div", { class: "avg-cmp-cols", style: `--avg-cols:${districts.length}` });
      per.forEach((items, n) => {
        const d = districts[n];
        const col = el("div", { class: "avg-cmp-col", "data-district": d.key });
        const head = el("h3", {}, el("a", { href: new URL(d.page, ROOT).href, text: d.name }), ` (${items.length})`);
        col.append(head);
        if (!items.length) col.append(el("p", { class: "avg-cmp-none", text: "Нет поручений по этой теме." }));
        else {
          const ul = el("ul");
          for (const { res, d: x } of items) {
            const point = x.number ? `п. ${x.number}` : "поручение";
            ul.append(
              el(
                "li",
                {},
                el("a", { href: new URL(x.url, ROOT).href, "data-directive": x.id, text: `${res.year || ""}, ${point}` }),
                ": ",
                el("span", { class: "avg-cmp-text", text: x.text }),
              ),
            );
          }
          col.append(ul);
        }
        cols.append(col);
      });
      const section = el("section", { class: "avg-cmp-section", "data-theme": slug });
      section.append(el("h2", { text: name }), cols);
      sections.push(section);
    }
    const years = districts.filter((d) => d.years_page);
    const yearsLine = years.length
      ? el("p", { class: "avg-cmp-years" }, "Один район по годам (что сохранилось, что новое): ",
          ...years.flatMap((d, i) => [i ? ", " : "", el("a", { href: new URL(d.years_page, ROOT).href, text: d.name })]))
      : null;
    result.replaceChildren(
      ...(yearsLine ? [yearsLine] : []),
      ...(sections.length ? sections : [el("p", { text: "У выбранных районов нет поручений по этой теме." })]),
    );
    host.dataset.ready = "1";
  }
  show();
}

if (host) start();
