"""A synthetic cohort for tests, demos and benchmarks (``myoscope synth N --out FILE``).

Age and sex follow a cited population (``knowledge/synth.yaml``); the measurements are plausible
assumptions, with a share of missing cells and a share of cells set exactly to a published
cut-off taken from the knowledge base, so that every boundary is exercised. Rows are generated
in chunks and streamed to the file, so 30 million rows need little memory.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from ..errors import OutputFileError, Problem, ProblemsError, quote
from ..knowledge import Knowledge, load_knowledge
from ..outputs import check_output, replacing
from ..rules.nodes import Compare, Node, Ref, Score
from .io import csv_separator, output_format
from .tables import history_names

CHUNK = 1_000_000


@cache
def synth_parameters() -> dict[str, Any]:
    text = resources.files("myoscope.knowledge").joinpath("synth.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def cut_points(knowledge: Knowledge | None = None) -> dict[str, list[float]]:
    """Every number a definition compares a measure with (cut-offs and band boundaries)."""
    return _cut_points(knowledge) if knowledge is not None else _default_cut_points()


@cache
def _default_cut_points() -> dict[str, list[float]]:
    return _cut_points(load_knowledge())


def _cut_points(kb: Knowledge) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}

    def add(measure: str, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            vals = out.setdefault(measure, [])
            if float(value) not in vals:
                vals.append(float(value))

    def walk(node: Node) -> None:
        while isinstance(node, Ref):
            node = node.target
        if isinstance(node, Compare):
            for cut in node.cutoffs:
                add(node.measure, cut.value)
                for cond in cut.when:
                    add(cond.measure, cond.value)
        if isinstance(node, Score):
            for item in node.items:
                if item.node is not None:
                    walk(item.node)
        for child in node.children():
            walk(child)

    for d in kb.definitions.values():
        for boundary in d.population.excludes:  # the population boundary (age 18) is a cut-point too
            add(boundary.measure, boundary.value)
        for node in d.components.values():
            walk(node)
        for _, cond in d.outcomes:
            walk(cond)
    return out


def schema(knowledge: Knowledge | None = None) -> pl.Schema:
    cat = (knowledge or load_knowledge()).catalog
    p = synth_parameters()
    cols: dict[str, Any] = {"id": pl.Int64, "sex": pl.String, "age": pl.Float64}
    for m in p["measures"]:
        cols[m] = pl.Float64
    cols["asm_method"] = pl.String
    for item in cat.sarc_f.items:
        cols[f"sarc_f_{item}"] = pl.Float64
    w, mo = history_names(1)
    cols[w], cols[mo] = pl.Float64, pl.Float64
    return pl.Schema(cols)


def chunk(
    n: int,
    rng: np.random.Generator,
    start: int = 0,
    knowledge: Knowledge | None = None,
    bad_share: float = 0.0,
) -> pl.DataFrame:
    """``n`` synthetic rows with ids ``start + 1`` ... ``start + n``."""
    kb = knowledge or load_knowledge()
    cat = kb.catalog
    p = synth_parameters()
    pop, shares = p["population"], p["shares"]
    female = rng.random(n) < pop["female_share"]
    age = rng.integers(pop["age_min"], pop["age_max"] + 1, n).astype(float)
    years = age - pop["age_min"]
    cuts = cut_points(kb)
    data: dict[str, Any] = {
        "id": np.arange(start + 1, start + n + 1),
        "sex": np.where(female, "female", "male"),
        "age": age,
    }
    for mid, spec in p["measures"].items():
        mean = np.where(female, spec["female"][0], spec["male"][0])
        sd = np.where(female, spec["female"][1], spec["male"][1])
        slope = np.where(female, spec["per_year"]["female"], spec["per_year"]["male"])
        x = rng.normal(mean + slope * years, sd)
        lo, hi = cat.measures[mid].range or (-np.inf, np.inf)
        x = np.round(np.clip(x, lo, hi), spec["decimals"])
        x = _at_cutoffs(x, cuts.get(mid, []), lo, hi, shares["at_cutoff"], rng)
        data[mid] = _missing(x, shares["missing"], rng)
    data["asm_method"] = np.where(rng.random(n) < shares["dxa"], "dxa", "bia")
    lo_p, hi_p = np.array(p["sarc_f"]["at_min_age"]), np.array(p["sarc_f"]["at_max_age"])
    frac = (years / max(1, pop["age_max"] - pop["age_min"]))[:, None]
    probs = lo_p[None, :] * (1 - frac) + hi_p[None, :] * frac
    for item in cat.sarc_f.items:
        u = rng.random(n)
        answer = (u > probs[:, 0]).astype(float) + (u > probs[:, 0] + probs[:, 1]).astype(float)
        data[f"sarc_f_{item}"] = _missing(answer, shares["missing"], rng)
    wh = p["weight_history"]
    has = (rng.random(n) < wh["share"]) & ~np.isnan(data["weight"])
    months = rng.choice(np.array(wh["months_ago"], dtype=float), n)
    change = rng.normal(wh["change"][0], wh["change"][1], n)
    previous = np.round(np.clip(data["weight"] * (1 + change), *cat.measures["weight"].range or (0, 1e9)), 1)
    w, mo = history_names(1)
    data[w] = np.where(has, previous, np.nan)
    data[mo] = np.where(has, months, np.nan)
    frame = (
        pl.DataFrame(data)
        .with_columns(pl.col(pl.Float64).fill_nan(None))
        .with_columns(pl.when(pl.col("asm").is_not_null()).then(pl.col("asm_method")).alias("asm_method"))
    )
    if bad_share > 0:
        frame = _spoil(frame, bad_share, rng, kb)
    return frame.select(list(schema(kb)))


def _at_cutoffs(
    x: np.ndarray, cuts: list[float], lo: float, hi: float, share: float, rng: np.random.Generator
) -> np.ndarray:
    usable = [c for c in cuts if lo <= c <= hi]
    if not usable or share <= 0:
        return x
    pick = rng.random(len(x)) < share
    return np.where(pick, rng.choice(np.array(usable), len(x)), x)


def _missing(x: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(len(x)) < share, np.nan, x)


def _spoil(frame: pl.DataFrame, share: float, rng: np.random.Generator, kb: Knowledge) -> pl.DataFrame:
    """Put an implausible value (above the catalog range) in a share of rows, for rejects demos."""
    bad = pl.Series(rng.random(frame.height) < share)
    hi = (kb.catalog.measures["grip_strength"].range or (0, 0))[1]
    return frame.with_columns(
        pl.when(bad).then(pl.lit(hi * 2.25)).otherwise(pl.col("grip_strength")).alias("grip_strength")
    )


def generate(
    n: int, seed: int = 0, knowledge: Knowledge | None = None, bad_share: float = 0.0, chunk_size: int = CHUNK
) -> Iterator[pl.DataFrame]:
    """``n`` rows in chunks (deterministic for a given seed and chunk size)."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n:
        size = min(chunk_size, n - done)
        yield chunk(size, rng, done, knowledge, bad_share)
        done += size


def synthesise(
    n: int, out: str | Path, seed: int = 0, bad_share: float = 0.0, chunk_size: int = CHUNK
) -> Path:
    """Write ``n`` synthetic rows to ``out`` (Parquet or CSV), streaming chunk by chunk.

    :raises ProblemsError: naming each bad setting (numpy would refuse a negative seed with a bare
        ValueError, deep inside the first chunk).
    :raises OutputFileError: a missing folder, or a table larger than the free space (the size is
        estimated from a sample before anything is written); the file appears only when complete.
    """
    from polars.io.plugins import register_io_source

    problems = _setting_problems(n, seed, bad_share)
    if problems:
        raise ProblemsError(problems)
    path = check_output(out, option="output")
    fmt = output_format(path)
    _check_space(path, n, fmt, seed, bad_share)
    sch = schema()

    def source(with_columns: Any, predicate: Any, n_rows: Any, batch_size: Any) -> Iterator[pl.DataFrame]:
        yield from generate(n, seed, bad_share=bad_share, chunk_size=chunk_size)

    lazy = register_io_source(source, schema=sch)
    with replacing(path) as tmp:
        if fmt == "parquet":
            lazy.sink_parquet(tmp, row_group_size=min(chunk_size, 1_000_000))
        else:
            lazy.sink_csv(tmp, separator=csv_separator(path))
    return path


def _setting_problems(n: Any, seed: Any, bad_share: Any) -> list[Problem]:
    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    problems = []
    if not whole(n) or n < 1:
        problems.append(Problem("n", f"expected a whole number of rows, 1 or more, got {quote(n)}"))
    if not whole(seed) or seed < 0:
        problems.append(Problem("seed", f"expected a whole number, 0 or more, got {quote(seed)}"))
    if isinstance(bad_share, bool) or not isinstance(bad_share, int | float) or not 0 <= bad_share <= 1:
        problems.append(Problem("bad_share", f"expected a share between 0 and 1, got {quote(bad_share)}"))
    return problems


SAMPLE_ROWS = 2_000


def estimated_bytes(n: int, fmt: str, seed: int = 0, bad_share: float = 0.0) -> int:
    """The size of an ``n``-row table, from a sample written in memory (an overestimate for Parquet,
    which compresses a large table better than a small one)."""
    sample = next(generate(min(n, SAMPLE_ROWS), seed, bad_share=bad_share))
    buf = io.BytesIO()
    if fmt == "parquet":
        sample.write_parquet(buf)
    else:
        sample.write_csv(buf)
    return int(buf.tell() / sample.height * n * 1.05)


def _check_space(path: Path, n: int, fmt: str, seed: int, bad_share: float) -> None:
    need = estimated_bytes(n, fmt, seed, bad_share)
    free = shutil.disk_usage(path.parent if str(path.parent) else ".").free
    if need > free:
        raise OutputFileError(
            f"{n:,} rows need about {_size(need)} but {path.parent or '.'} has {_size(free)} free; "
            "ask for fewer rows or write elsewhere"
        )


def _size(b: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if b < 1000 or unit == "TB":
            return f"{b:,.0f} {unit}" if unit == "bytes" else f"{b:,.1f} {unit}"
        b /= 1000
    return f"{b:,.1f} PB"  # pragma: no cover


__all__ = ["chunk", "cut_points", "generate", "schema", "synth_parameters", "synthesise"]
