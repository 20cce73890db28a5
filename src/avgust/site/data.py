"""The open data: every directive as JSON and CSV (spreadsheet-safe), and its page."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from avgust.index.records import DirectiveRecord
from avgust.ru.format import plural
from avgust.site.corpus import Corpus, similar_items
from avgust.site.pages.common import front_matter

DATA_FIELDS = (
    "id",
    "url",
    "resolution",
    "kind",
    "title",
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


def data_records(c: Corpus, site_url: str | None) -> list[dict[str, Any]]:
    """Every directive as the open data has it: a selection of its published record, with the
    addresses made absolute under ``site_url`` and the similar directives of other districts."""
    base = site_url.rstrip("/") + "/" if site_url else ""
    records = []
    for item in c.items:
        record = DirectiveRecord.of(item.resolution, item.directive)
        records.append(
            {
                **record.view(_RECORD_FIELDS),
                "url": base + record.url,
                "similar": [s.id for s in similar_items(c, item)],
                "source": f"{base}{c.source_path(item.resolution)}",
            }
        )
    return records


def data_csv(records: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DATA_FIELDS, lineterminator="\r\n")
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
        ("`resolution`, `kind`, `title`", "документ: код, вид, заголовок"),
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
        f"{plural(len(c.resolutions), 'документа', 'документов', 'документов')} — одной таблицей:",
        "",
        "- [directives.csv](data/directives.csv) — CSV (UTF-8, разделитель — запятая; "
        "списки внутри ячейки — через «; »), открывается в Excel и LibreOffice;",
        "- [directives.json](data/directives.json) — те же записи в JSON;",
        "- [resolutions.json](data/resolutions.json) — документы целиком: преамбула, разделы, "
        "поручения со сроками и темами.",
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
