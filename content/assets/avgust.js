// avgust: the site's own small script. Everything it enables is hidden in the HTML and
// shown here, so without JavaScript every page shows all of its content.
(() => {
  "use strict";

  const squash = (s) => s.replace(/\s+/g, " ").trim();

  // A link to a directive inside the closed «Вводная часть» (or any closed details) opens it.
  function revealTarget() {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (!target) return;
    for (let el = target; el; el = el.parentElement) {
      if (el.tagName === "DETAILS" && !el.open) el.open = true;
    }
    const group = target.closest(".avg-group");
    if (group && group.hidden) showAddressee("");
    target.scrollIntoView({ block: "start" });
  }

  // Addressee chips on a resolution page: one addressee's groups (and those for everyone).
  function showAddressee(key) {
    for (const chip of document.querySelectorAll(".avg-chip")) {
      chip.setAttribute("aria-pressed", String(chip.dataset.addressee === key));
    }
    for (const group of document.querySelectorAll(".avg-group")) {
      const keys = (group.dataset.addressees || "").split(" ").filter(Boolean);
      group.hidden = Boolean(key) && keys.length > 0 && !keys.includes(key);
    }
  }

  const CHIP_CHARS = 36;

  function setUpChips() {
    for (const bar of document.querySelectorAll(".avg-chips")) {
      const all = document.createElement("button");
      all.type = "button";
      all.className = "avg-chip";
      all.dataset.addressee = "";
      all.textContent = "Все";
      bar.append(all);
      for (const key of document.querySelectorAll(".avg-keys [data-addressee]")) {
        const name = squash(key.textContent);
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "avg-chip";
        chip.dataset.addressee = key.dataset.addressee;
        chip.textContent = name.length > CHIP_CHARS ? name.slice(0, CHIP_CHARS - 1).trimEnd() + "…" : name;
        if (chip.textContent !== name) chip.title = name;
        bar.append(chip);
      }
      showAddressee("");
      bar.hidden = false;
      bar.addEventListener("click", (event) => {
        const chip = event.target.closest(".avg-chip");
        if (chip) showAddressee(chip.dataset.addressee || "");
      });
    }
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      let done = false;
      try {
        done = document.execCommand("copy");
      } catch {
        done = false;
      }
      area.remove();
      return done;
    }
  }

  // What the share button copies: the directive's text, its citation and its address.
  function directiveText(card) {
    const copy = card.cloneNode(true);
    for (const el of copy.querySelectorAll(".avg-num, .avg-meta, .avg-context, .avg-share, .avg-shared, details")) {
      el.remove();
    }
    return squash(copy.textContent);
  }

  // A directive block of a resolution page: the number's title and the share button are
  // added here, not repeated in the HTML of every block.
  function setUpShare() {
    for (const card of document.querySelectorAll(".avg-directive[id]")) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "avg-share";
      button.textContent = "Скопировать ссылку";
      const line = document.createElement("p");
      line.append(button);
      card.insertBefore(line, card.querySelector(":scope > details"));
      const num = card.querySelector(".avg-num");
      if (num && !num.title) num.title = "Ссылка на это поручение";
      const number = num && num.textContent.trim() !== "•" ? `п. ${squash(num.textContent)}` : "поручение";
      button.setAttribute("aria-label", `Скопировать ссылку и текст: ${number}`);
      const status = document.createElement("span");
      status.className = "avg-shared";
      status.setAttribute("role", "status");
      button.after(status);
      button.addEventListener("click", async () => {
        const source = document.querySelector(".avg-keys .avg-cite");
        const cite = [source ? squash(source.textContent) : document.title, number].join(", ");
        const url = location.href.split("#")[0] + "#" + card.id;
        const ok = await copyText(`${directiveText(card)}\n— ${cite}\n${url}`);
        status.textContent = ok ? "Ссылка и текст скопированы" : `Не удалось скопировать: ${url}`;
        button.classList.toggle("avg-share--done", ok);
      });
    }
  }

  // The calendar: filters by district, addressee and month over the entries of the page.
  // Each entry's deadline (.avg-cal-due) carries the keys; the names come from the
  // hidden key lists, so the form's HTML never holds document text.
  function fillSelect(select, attribute) {
    for (const key of document.querySelectorAll(`.avg-cal-keys [${attribute}]`)) {
      const option = document.createElement("option");
      option.value = key.getAttribute(attribute);
      option.textContent = squash(key.textContent);
      select.append(option);
    }
  }

  function setUpCalendar() {
    const form = document.querySelector(".avg-cal-filter");
    if (!form) return;
    fillSelect(form.elements.district, "data-district");
    fillSelect(form.elements.addressee, "data-addressee");
    form.hidden = false;
    const entries = [...document.querySelectorAll(".avg-cal-due")].map((due) => ({
      due,
      item: due.closest("li"),
    }));
    const count = form.querySelector(".avg-cal-count");
    const apply = () => {
      const district = form.elements.district.value;
      const addressee = form.elements.addressee.value;
      const month = form.elements.month.value;
      let shown = 0;
      for (const { due, item } of entries) {
        const ok =
          (!district || due.dataset.district === district) &&
          (!addressee || (due.dataset.addressees || "").split(" ").includes(addressee)) &&
          (!month || due.dataset.month === month);
        item.hidden = !ok;
        if (ok) shown += 1;
      }
      for (const block of document.querySelectorAll(".avg-cal-block")) {
        block.hidden = ![...block.querySelectorAll("li")].some((li) => !li.hidden);
      }
      count.textContent =
        shown === entries.length ? `Показаны все: ${shown}` : `Показано: ${shown} из ${entries.length}`;
      form.dataset.shown = String(shown);
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.querySelector(".avg-cal-all").addEventListener("click", () => {
      for (const select of form.querySelectorAll("select")) select.value = "";
      apply();
    });
    form.querySelector(".avg-cal-now").addEventListener("click", () => {
      const today = new Date();
      const key = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
      const known = [...form.elements.month.options].some((o) => o.value === key);
      form.elements.month.value = known ? key : "";
      apply();
      if (!known) count.textContent = "В этом месяце на этой странице сроков нет";
    });
    apply();
  }

  function setUpPrint() {
    let opened = [];
    window.addEventListener("beforeprint", () => {
      opened = [...document.querySelectorAll("details.avg-intro:not([open])")];
      for (const d of opened) d.open = true;
    });
    window.addEventListener("afterprint", () => {
      for (const d of opened) d.open = false;
    });
  }

  // The open data's CSV files are stored gzipped (GitHub Pages counts stored bytes); a
  // spreadsheet cannot open a .csv.gz, so the data page's CSV link saves it unpacked. The
  // server must not unpack it on the way (no Content-Encoding), or the link falls back.
  function setUpUnpack() {
    if (typeof DecompressionStream !== "function") return;
    document.addEventListener("click", async (event) => {
      const link = event.target.closest?.("a[data-unpack]");
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      try {
        const response = await fetch(link.href);
        if (!response.ok) throw new Error(`${response.status}`);
        const unpacked = response.body.pipeThrough(new DecompressionStream("gzip"));
        const bytes = await new Response(unpacked).arrayBuffer();
        const url = URL.createObjectURL(new Blob([bytes], { type: "text/csv;charset=utf-8" }));
        const save = document.createElement("a");
        save.href = url;
        save.download = link.dataset.unpack;
        document.body.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      } catch {
        window.location.href = link.href;
      }
    });
  }

  function start() {
    setUpUnpack();
    setUpChips();
    setUpShare();
    setUpCalendar();
    setUpPrint();
    revealTarget();
    window.addEventListener("hashchange", revealTarget);
    document.documentElement.dataset.avgReady = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
