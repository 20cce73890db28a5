"""What would stop the page writer for one resolution: `check` and `build` refuse it alike."""

from __future__ import annotations

from dataclasses import replace

from avgust.errors import AvgustError, Problem
from avgust.records import Resolution
from avgust.site.corpus import Corpus
from avgust.site.markdown import check_markdown
from avgust.site.pages.resolution import resolution_page
from avgust.site.pages.taxonomy import district_page


def check_resolution(res: Resolution) -> list[Problem]:
    """The page writer's refusals for one resolution, as errors; [] when its pages build.

    The pipeline passes it to :func:`avgust.parse.batch.parse_all`, for `avgust check` and
    `avgust build` alike, so a document whose slug, anchors or pages would be refused is
    reported and left out there, and the pages of the others are written.
    """
    try:
        corpus = Corpus([res], (), {})  # the slug and anchor checks
        check_markdown(corpus.resolution_path(res), resolution_page(corpus, res, 0))
        for district in corpus.districts:
            check_markdown(corpus.district_path(district), district_page(corpus, district))
    except AvgustError as error:
        return [replace(error.as_problem(), path=res.source)]
    return []


__all__ = ["check_resolution"]
