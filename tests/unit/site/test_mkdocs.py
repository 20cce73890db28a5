"""mkdocs.yml is read strictly: a key given twice is an error that names the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from avgust.errors import ConfigError
from avgust.site.mkdocs import check_mkdocs_file
from avgust.site.plugin import compact_html
from tests.support.project import ROOT


def test_the_projects_mkdocs_yml_says_every_key_once() -> None:
    check_mkdocs_file(ROOT / "mkdocs.yml")


def test_a_key_given_twice_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "mkdocs.yml"
    path.write_text(
        "site_name: x\n"
        "extra_javascript:\n"
        "  - path: assets/collection/collection.js\n"
        "    type: module\n"
        "theme:\n"
        "  name: material\n"
        "extra_javascript:\n"
        "  - assets/avgust.js\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        check_mkdocs_file(path)
    assert caught.value.line == 7
    assert "'extra_javascript' is given twice (first on line 2)" in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_nested_key_given_twice_is_found_and_python_tags_are_not_run(tmp_path: Path) -> None:
    path = tmp_path / "mkdocs.yml"
    path.write_text(
        "markdown_extensions:\n"
        "  - toc:\n"
        "      slugify: !!python/object/apply:os.system ['touch pwned']\n"
        "      permalink: '#'\n"
        "      permalink: '¶'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        check_mkdocs_file(path)
    assert caught.value.line == 5
    assert not (Path.cwd() / "pwned").exists()


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mkdocs.yml"
    path.write_text("site_name: x\ntheme: [material\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        check_mkdocs_file(path)
    assert caught.value.line is not None


def test_compact_html_squeezes_indentation_but_not_verbatim_elements() -> None:
    page = (
        "<p>a\n      b</p>\n\n   <pre>x\n  y</pre>\n  <textarea>t\n  u</textarea>\n"
        "  <script>var a\n    = 1</script>   \n\n  <style>p {\n  }</style> <b>c</b> d"
    )
    assert compact_html(page) == (
        "<p>a\nb</p>\n<pre>x\n  y</pre>\n<textarea>t\n  u</textarea>\n"
        "<script>var a\n    = 1</script>\n<style>p {\n  }</style> <b>c</b> d"
    )
