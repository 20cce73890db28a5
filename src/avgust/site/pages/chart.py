"""An inline SVG chart of themes by district or by year (no script, prints well)."""

from __future__ import annotations

from collections import Counter

from avgust.ru.format import plural
from avgust.site.corpus import Corpus, Item
from avgust.site.markdown import html_text
from avgust.urls import html_link

# Tableau 10: distinct on screen and in print, kind to the colour-blind.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)

CHART_SERIES = len(PALETTE)
"""Most series in a chart: one colour each, and the legend stays short on a phone."""
OTHER_DISTRICTS = "Другие районы"


def theme_chart(c: Corpus, page: str, by: str) -> str:
    """Themes as horizontal bars stacked by district or by year: HTML labels, inline SVG bars."""
    if by == "district":
        series = list(c.districts)
        if len(series) > CHART_SERIES:  # the most active districts, the rest as one
            active = Counter(
                c.district(i.resolution) for items in c.theme_items.values() for i in items
            )
            top = {name for name, _ in active.most_common(CHART_SERIES - 1)}
            series = [name for name in series if name in top] + [OTHER_DISTRICTS]

        def key(item: Item) -> str:
            name = c.district(item.resolution)
            return name if name in series else OTHER_DISTRICTS
    else:
        series = [str(y) for y in sorted(c.years)]

        def key(item: Item) -> str:
            return str(item.resolution.year)

    colours = {name: PALETTE[n % len(PALETTE)] for n, name in enumerate(series)}
    rows = []
    for theme in c.themes:
        counts = Counter(key(i) for i in c.theme_items.get(theme.slug, []))
        if counts:
            rows.append((theme, counts))
    if not rows:
        return '<p class="avg-chart-empty">Пока нет поручений с темами.</p>'
    rows.sort(key=lambda row: (-sum(row[1].values()), row[0].name))
    widest = max(sum(counts.values()) for _, counts in rows)
    caption = f"Поручения по темам и {'районам' if by == 'district' else 'годам'}"
    legend = "".join(
        f'<span><i style="background:{colours[name]}"></i>{html_text(name)}</span>'
        for name in series
    )
    out = [
        f'<figure class="avg-chart" data-search-exclude aria-label="{caption}">',
        f'<div class="avg-chart-legend">{legend}</div>',
    ]
    for theme, counts in rows:
        total = sum(counts.values())
        x = 0
        rects = []
        for name in series:
            n = counts.get(name, 0)
            if n:
                tip = html_text(f"{name}: {plural(n, 'поручение', 'поручения', 'поручений')}")
                rects.append(
                    f'<rect x="{x}" y="0" width="{n}" height="1" fill="{colours[name]}">'
                    f"<title>{tip}</title></rect>"
                )
                x += n
        label = html_text(f"{theme.name}: {plural(total, 'поручение', 'поручения', 'поручений')}")
        out.append(
            f'<div class="avg-chart-row"><a href="{html_link(page, c.theme_path(theme.slug))}">'
            f'{html_text(theme.name)}</a><span class="avg-chart-n">{total}</span>'
            f'<svg viewBox="0 0 {widest} 1" preserveAspectRatio="none" role="img" '
            f'aria-label="{label}">'
            f"{''.join(rects)}</svg></div>"
        )
    out.append("</figure>")
    return "".join(out)
