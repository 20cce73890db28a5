"""The home page: figures, the newest resolutions and a chart of themes by district."""

from __future__ import annotations

from avgust import urls
from avgust.ru.format import plural
from avgust.site.corpus import Corpus
from avgust.site.pages.chart import theme_chart
from avgust.site.pages.common import front_matter, resolution_item
from avgust.urls import html_link, md_link


def home_page(c: Corpus) -> str:
    page = "index.md"
    used_themes = [t for t in c.themes if c.theme_items.get(t.slug)]
    figures = [
        (len(c.resolutions), ("решение", "решения", "решений"), urls.RESOLUTIONS_INDEX),
        (len(c.districts), ("район", "района", "районов"), urls.DISTRICTS_INDEX),
        (len(c.items), ("поручение", "поручения", "поручений"), urls.DEADLINES_PAGE),
        (len(used_themes), ("тема", "темы", "тем"), urls.THEMES_INDEX),
    ]
    cards = "".join(
        f'<a class="avg-figure" href="{html_link(page, target)}"><b>{n}</b>'
        f"<span>{plural(n, *words).split(' ', 1)[1]}</span></a>"
        for n, words, target in figures
    )
    lines = [
        front_matter(
            "Решения августовских конференций",
            "Решения августовских педагогических конференций: поручения, сроки, темы",
            hide=["toc"],
        ),
        "# Решения августовских конференций",
        "",
        "Что решили августовские педагогические конференции районов: каждое поручение "
        "с адресатом, сроком и темой, похожие поручения других районов и календарь сроков.",
        "{: .avg-lead }",
        "",
        f'<div class="avg-figures" data-search-exclude>{cards}</div>',
        "",
        "## Темы по районам {#temy-po-rajonam}",
        "",
        theme_chart(c, page, by="district"),
        "",
        "## Последние документы {#poslednie}",
        "",
    ]
    lines += [resolution_item(c, page, r) for r in c.resolutions[:6]]
    lines += [
        "",
        "## С чего начать {#s-chego-nachat}",
        "",
        f"- **Учителю:** откройте [решение своего района]({md_link(page, 'rajony/index.md')}) — "
        "поручения сгруппированы по адресатам, у каждого есть срок и постоянная ссылка.",
        f"- **Методисту:** [темы]({md_link(page, 'temy/index.md')}) собирают поручения всех "
        f"районов по годам; [календарь сроков]({md_link(page, urls.DEADLINES_PAGE)}) "
        "показывает, что нужно сделать к какому месяцу.",
        f"- **Исследователю:** [открытые данные]({md_link(page, 'dannye.md')}) — все поручения "
        "в JSON и CSV.",
        "",
    ]
    return "\n".join(lines)
