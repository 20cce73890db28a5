"""The open data: every directive as JSON and CSV (spreadsheet-safe), a file set per region
and year with a catalogue of them, and its page.

A part's files are gzipped (``.json.gz``, ``.csv.gz``): programs unpack gzip in one call,
and the data page's CSV links hand a spreadsheet the CSV unpacked (content/assets/avgust.js;
without JavaScript the link saves the ``.csv.gz``). Unpacked, the JSON was a tenth of the
whole site (44 KB a resolution at 1,000) and the CSV 34 KB a resolution; GitHub Pages counts
stored bytes against its 1 GB, and it does not compress ``.gz`` on the wire, which needs no
more."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from avgust import urls
from avgust.index.records import DirectiveRecord
from avgust.records import Resolution, directive_id, to_dict
from avgust.ru.format import plural
from avgust.site.corpus import Corpus, Item, similar_items, unique_slugs
from avgust.site.markdown import md_text
from avgust.site.pages.common import front_matter
from avgust.util.fs import gzip_stable
from avgust.util.text import squash

# A directive's row leaves out its document's title (~15 % of a row, the same on each of the
# document's rows): the documents' file has it, under the row's ``resolution``.
DATA_FIELDS = (
    "id",
    "url",
    "resolution",
    "kind",
    "district",
    "region",
    "date",
    "year",
    "academic_year",
    "number",
    "anchor",
    "order",
    "line",
    "addressees",
    "context",
    "text",
    "responsible",
    "deadline_raw",
    "deadline_kind",
    "deadline_start",
    "deadline_end",
    "deadline_text",
    "themes",
    "similar",
    "source",
)

_SITE_FIELDS = ("similar", "source")  # what only the site knows; the rest is the record's
_RECORD_FIELDS = tuple(name for name in DATA_FIELDS if name not in _SITE_FIELDS)
UNKNOWN_REGION_LABEL = "Регион не указан"
CATALOG_FIELDS = (
    "year",
    "region",
    "resolutions",
    "directives",
    "directives_json",
    "directives_csv",
    "resolutions_json",
)


@dataclass(frozen=True)
class DataPart:
    """One file set of the open data: the resolutions of one region in one year. A region
    has a few dozen districts, so a part stays a few MB however large the corpus grows."""

    year: int | None
    region: str
    region_slug: str
    resolutions: tuple[Resolution, ...]

    def path(self, folder: str, suffix: str) -> str:
        return urls.open_data_path(folder, self.year, self.region_slug, suffix)

    @property
    def directives_json(self) -> str:
        return self.path(urls.OPEN_DIRECTIVES, ".json.gz")

    @property
    def directives_csv(self) -> str:
        return self.path(urls.OPEN_DIRECTIVES, ".csv.gz")

    @property
    def csv_name(self) -> str:
        """The name the data page saves the unpacked CSV under."""
        return f"{self.year if self.year is not None else urls.NO_YEAR}-{self.region_slug}.csv"

    @property
    def resolutions_json(self) -> str:
        return self.path(urls.OPEN_RESOLUTIONS, ".json.gz")

    @property
    def directive_count(self) -> int:
        return sum(len(r.directives) for r in self.resolutions)


def data_parts(c: Corpus) -> list[DataPart]:
    """The open data's file sets, newest year first, then by region."""
    groups: dict[tuple[int | None, str], list[Resolution]] = defaultdict(list)
    for res in c.resolutions:
        region = squash(res.region) if res.region and res.region.strip() else UNKNOWN_REGION_LABEL
        groups[(res.year, region)].append(res)
    slugs = unique_slugs({region: region for _, region in groups})
    return [
        DataPart(year, region, slugs[region], tuple(groups[(year, region)]))
        for year, region in sorted(groups, key=lambda k: (-(k[0] or 0), k[1]))
    ]


def data_records(
    c: Corpus, site_url: str | None, resolutions: Sequence[Resolution] | None = None
) -> list[dict[str, Any]]:
    """Every directive (of ``resolutions``, or of the corpus) as the open data has it: a
    selection of its published record, with the addresses made absolute under ``site_url``
    and the similar directives of other districts."""
    base = _base(site_url)
    records = []
    for res in c.resolutions if resolutions is None else resolutions:
        for directive in res.directives:
            item = Item(res, directive)
            record = DirectiveRecord.of(res, directive)
            records.append(
                {
                    **record.view(_RECORD_FIELDS),
                    "url": base + record.url,
                    "similar": [s.id for s in similar_items(c, item)],
                    "source": f"{base}{c.source_path(res)}",
                }
            )
    return records


def data_files(c: Corpus, site_url: str | None) -> dict[str, str | bytes]:
    """The open data: per region and year the directives in JSON and CSV and the whole
    documents in JSON, and a catalogue of those file sets in JSON and CSV."""
    return dict(iter_data_files(c, site_url))


def iter_data_files(c: Corpus, site_url: str | None) -> Iterator[tuple[str, str | bytes]]:
    """:func:`data_files` one file at a time, as (docs/ path, body)."""
    base = _base(site_url)
    catalog: list[dict[str, Any]] = []
    for part in data_parts(c):
        records = data_records(c, site_url, part.resolutions)
        yield part.directives_json, gzip_stable(_json_rows(records))
        yield part.directives_csv, gzip_stable(data_csv(records))
        documents = _json_rows([resolution_record(r) for r in part.resolutions])
        yield part.resolutions_json, gzip_stable(documents)
        catalog.append(
            {
                "year": part.year,
                "region": part.region,
                "resolutions": len(part.resolutions),
                "directives": len(records),
                "directives_json": base + part.directives_json,
                "directives_csv": base + part.directives_csv,
                "resolutions_json": base + part.resolutions_json,
            }
        )
    yield urls.DATA_CATALOG_JSON, _json(catalog)
    yield urls.DATA_CATALOG_CSV, data_csv(catalog, CATALOG_FIELDS)


def resolution_record(res: Resolution) -> dict[str, Any]:
    """A document of the open data: the Resolution's record, its directives named by id.

    Their records (every field of a Directive: its text, deadline, themes…) are in the
    directives file of the same region and year; a third copy of every text here would
    make the open data the largest part of the site.
    """
    record: dict[str, Any] = to_dict(res)
    del record["directives"]
    record["directive_ids"] = [directive_id(res.slug, d.anchor) for d in res.directives]
    return record


def _base(site_url: str | None) -> str:
    return site_url.rstrip("/") + "/" if site_url else ""


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _json_rows(rows: Sequence[Any]) -> str:
    """A JSON array with one compact row a line: read by line as easily, ~10 % smaller."""
    body = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in rows)
    return f"[\n{body}\n]\n" if rows else "[]\n"


def data_csv(records: Sequence[Mapping[str, Any]], fields: Sequence[str] = DATA_FIELDS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                k: _cell("; ".join(v) if isinstance(v, list) else ("" if v is None else v))
                for k, v in record.items()
            }
        )
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read the Cyrillic as UTF-8


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula ("=HYPERLINK(…)") gets a "'"."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def data_page(c: Corpus) -> str:
    rows = [
        ("`id`", "код поручения: `документ#якорь`, например `2020-muchkapskij-rajon#p-2-4`"),
        ("`url`", "адрес поручения на сайте"),
        ("`resolution`, `kind`", "документ: код (заголовок и прочее — в файле документов), вид"),
        (
            "`district`, `region`, `date`, `year`, `academic_year`",
            "район, регион, дата, год, учебный год",
        ),
        ("`number`, `anchor`, `order`, `line`", "номер пункта, якорь, порядок, строка в документе"),
        ("`addressees`, `context`, `text`", "адресаты, вводные слова, текст поручения"),
        ("`deadline_raw`, `deadline_kind`", "срок как записан и его вид"),
        (
            "`deadline_start`, `deadline_end`, `deadline_text`",
            "даты срока (ГГГГ-ММ-ДД) и срок словами",
        ),
        ("`themes`", "темы (коды, как в адресах страниц тем)"),
        ("`similar`", "похожие поручения других районов (коды)"),
        ("`source`", "исходный документ"),
    ]
    lines = [
        front_matter("Открытые данные", "Все поручения в JSON и CSV"),
        "# Открытые данные",
        "",
        f"Все {plural(len(c.items), 'поручение', 'поручения', 'поручений')} из "
        f"{plural(len(c.resolutions), 'документа', 'документов', 'документов')} — по файлу на "
        "регион и год: CSV (UTF-8, разделитель — запятая; списки внутри ячейки — через «; ») "
        "открывается в Excel и LibreOffice (ссылка «CSV» сохраняет его распакованным; "
        "без JavaScript — сжатым, `.csv.gz`), JSON — те же записи, по строке на поручение. "
        "Файлы сжаты gzip (`.json.gz`, `.csv.gz`: `gunzip`, `zcat`, в Python — `gzip.open`); "
        "«документы» — решения целиком: сведения о документе, преамбула, разделы и коды его "
        "поручений по порядку (`directive_ids`; сами поручения — в файле поручений того же "
        "региона и года).",
        "",
        f"Список всех файлов с числом поручений: [catalog.csv]({_link(urls.DATA_CATALOG_CSV)}), "
        f"[catalog.json]({_link(urls.DATA_CATALOG_JSON)}).",
    ]
    for year, in_year in groupby(data_parts(c), key=lambda part: part.year):
        heading = f"{year} год" if year is not None else "Год не указан"
        lines += ["", f"## {heading} {{#god-{year if year is not None else urls.NO_YEAR}}}", ""]
        for part in in_year:
            counts = (
                f"{plural(len(part.resolutions), 'документ', 'документа', 'документов')}, "
                f"{plural(part.directive_count, 'поручение', 'поручения', 'поручений')}"
            )
            lines.append(
                f"- {md_text(part.region)} — {counts}: [CSV]({_link(part.directives_csv)})"
                f'{{ data-unpack="{part.csv_name}" }} · '
                f"[JSON.gz]({_link(part.directives_json)}) · "
                f"[документы]({_link(part.resolutions_json)})"
            )
    lines += [
        "",
        "## Поля {#polya}",
        "",
        "| Поле | Что в нём |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {text} |" for name, text in rows]  # our own Markdown
    lines += [
        "",
        "Исходные документы лежат рядом с каждой страницей решения (ссылка «Исходный документ»).",
        "",
    ]
    return "\n".join(lines)


def _link(path: str) -> str:
    return urls.md_link(urls.DATA_PAGE, path)
