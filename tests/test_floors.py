"""Every trained result a notebook asserts follows the seed sweep (bench/results/seed_sweep.json, made by
`python3 dev.py sweep`): its literal lies at or beyond the worst seed moved by the stated margin, and every
comparison the text claims held on every seed. Fast: reads the table and the notebooks, runs nothing.
"""

import json
from pathlib import Path

import nbformat
import pytest

from bench import seeds
from tools.notebooks import course_notebooks

ROOT = Path(__file__).resolve().parent.parent

TABLE = json.loads((seeds.RESULTS / "seed_sweep.json").read_text())
NOTEBOOKS = sorted(p.stem for p in course_notebooks())
METRICS = [(nb, m) for nb, sweep in seeds.DECLARED.items() for m in sweep.metrics]
CLAIMS = [(nb, c) for nb, sweep in seeds.DECLARED.items() for c in sweep.claims]


def _sources(name: str) -> list[str]:
    return [c.source for c in seeds.code_cells(nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4))]


def test_every_notebook_is_declared_and_swept_with_at_least_5_seeds():
    assert sorted(seeds.DECLARED) == NOTEBOOKS, "declare each notebook's asserted results in bench/seeds.py"
    for name in NOTEBOOKS:
        assert name in TABLE["notebooks"], f"{name}: not in the sweep's table; run `python3 dev.py sweep`"
        assert len(TABLE["notebooks"][name]["seeds"]) >= 5, f"{name}: fewer than 5 seeds in the sweep"


@pytest.mark.parametrize(("name", "metric"), METRICS, ids=[f"{nb}: {m.name}" for nb, m in METRICS])
def test_asserted_literal_lies_at_or_beyond_the_sweeps_floor(name, metric):
    row = TABLE["notebooks"].get(name, {}).get("metrics", {}).get(metric.name)
    assert row is not None, f"{name}: {metric.name!r} is not in the sweep's table; run `python3 dev.py sweep`"
    values = list(row["by_seed"].values())
    assert len(values) >= 5 and None not in values, f"{name}: {metric.name!r} missing on some seed: {row['by_seed']}"
    worst, floor = seeds.floor_of(values, metric)
    literals = seeds.asserted_literals(_sources(name), metric.pattern)
    assert literals, f"{name}: no assert matches {metric.pattern!r}"
    for _, literal in literals:
        assert seeds.literal_ok(literal, floor, metric), (
            f"{name}: `{metric.expr} {metric.direction} {literal}` but the worst of {len(values)} seeds is "
            f"{worst:.4g}; with the margin {metric.margin} the literal must be "
            f"{'<=' if metric.higher_is_better else '>='} {floor:.4g} (e.g. {seeds.suggested_literal(floor, metric)})")


@pytest.mark.parametrize(("name", "claim"), CLAIMS, ids=[f"{nb}: {c.name}" for nb, c in CLAIMS])
def test_every_comparison_the_text_claims_holds_on_every_seed(name, claim):
    row = TABLE["notebooks"].get(name, {}).get("claims", {}).get(claim.name)
    assert row is not None, f"{name}: {claim.name!r} is not in the sweep's table; run `python3 dev.py sweep`"
    assert len(row["by_seed"]) >= 5
    failed = [seed for seed, held in row["by_seed"].items() if held is not True]
    assert not failed, f"{name}: {claim.name!r} fails on seeds {failed}: the text must say less"
