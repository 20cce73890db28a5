"""avgust.toml: defaults, overrides, the environment, and every way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from avgust.config import DEFAULT_LEXICAL_WEIGHT, DEFAULT_MODEL, load_config
from avgust.errors import ConfigError


def _project(tmp_path: Path, toml: str | None) -> Path:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    if toml is not None:
        (tmp_path / "avgust.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def test_every_path_and_setting_has_a_default_under_the_root(tmp_path: Path) -> None:
    config = load_config(_project(tmp_path, None))
    assert config.root == tmp_path.resolve()
    assert config.resolutions_dir == config.root / "resolutions"
    assert config.themes_file == config.root / "themes.yml"
    assert config.content_dir == config.root / "content"
    assert config.web_dir == config.root / "web"
    assert config.mkdocs_file == config.root / "mkdocs.yml"
    assert config.site_dir == config.root / "build" / "site"
    assert config.model == DEFAULT_MODEL and config.lexical_weight == DEFAULT_LEXICAL_WEIGHT


def test_the_file_sets_paths_and_numbers_and_overrides_win(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        '[paths]\nthemes = "taxonomy/t.yml"\ncontent = "pages"\n\n'
        "[search]\nlexical_weight = 1\n\n[similar]\nk = 3\n",
    )
    config = load_config(root)
    assert config.themes_file == root.resolve() / "taxonomy" / "t.yml"
    assert config.content_dir == root.resolve() / "pages"
    assert config.lexical_weight == 1.0 and isinstance(config.lexical_weight, float)
    assert config.similar_k == 3
    assert load_config(root, similar_k=7, model=None).similar_k == 7


def test_the_site_url_comes_from_the_environment_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, '[site]\nurl = "https://a.example/x"\n')
    monkeypatch.delenv("AVGUST_SITE_URL", raising=False)
    assert load_config(root).public_url == "https://a.example/x/"
    monkeypatch.setenv("AVGUST_SITE_URL", "https://b.example/")
    assert load_config(root).public_url == "https://b.example/"


@pytest.mark.parametrize(
    ("toml", "message", "line"),
    [
        ("[model\nname = 1\n", "cannot read configuration", None),
        ("[paths]\nresolutions = 'r'\n[models]\nname = 'x'\n", r"unknown table \[models\]", 3),
        ("[model]\nname = 'x'\nsize = 3\n", "unknown key 'size' in \\[model\\]", 3),
        ("[search]\nlexical_weight = 'high'\n", "must be a float", 2),
        ("[search]\nlexical_weight = true\n", "must be a float", 2),
        ("[similar]\n\nk = 2.5\n", "must be a int", 3),
        ("[similar]\nthreshold = 3\n", "between -1 and 1", 2),
        ("[model]\nname = ''\n", "non-empty string", 2),
        ("[paths]\nindex = 5\n", "non-empty string", 2),
        ("[site]\nurl = 'javascript:alert(1)'\n", "http\\(s\\) URL", 2),
    ],
)
def test_a_bad_file_is_refused_with_its_name_and_line(
    tmp_path: Path, toml: str, message: str, line: int | None
) -> None:
    root = _project(tmp_path, toml)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(root)
    assert caught.value.path == str(root / "avgust.toml")
    assert caught.value.line == line


def test_an_unknown_override_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown configuration override"):
        load_config(_project(tmp_path, None), colour="red")


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, None)
    (root / "avgust.toml").write_bytes("[model]\nname = 'мой'\n".encode("cp1251"))
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(root)
