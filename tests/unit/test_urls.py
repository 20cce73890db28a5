"""avgust.urls.relative: posixpath.relpath for docs-relative paths, without its abspath calls."""

from __future__ import annotations

import posixpath

from hypothesis import assume, given
from hypothesis import strategies as st

from avgust.urls import md_link, relative

PART = st.sampled_from(["resheniya", "temy", "a", "b", "index.md", "x.md", ".", "..", ""])
PATH = st.lists(PART, min_size=1, max_size=4).map("/".join)


@given(PATH, st.one_of(st.just(""), PATH))
def test_relative_is_relpath(path: str, start: str) -> None:
    # docs paths are relative (relpath would mix in the working folder) and never empty
    assume(path and not posixpath.isabs(path) and not posixpath.isabs(start))
    assert relative(path, start) == posixpath.relpath(path, start or ".")


def test_links_between_pages() -> None:
    assert md_link("resheniya/2021-a.md", "temy/vospitanie.md") == "../temy/vospitanie.md"
    assert md_link("index.md", "temy/vospitanie.md", "d-1") == "temy/vospitanie.md#d-1"
    assert md_link("temy/a/b.md", "temy/c.md") == "../c.md"
    assert md_link("temy/a.md", "temy/a.md") == "a.md"
