"""The differential test: the in-process patch engine against the REAL ``kubectl kustomize``, byte for byte.

hypothesis draws overlay cases (real renders + patches + user resources, :mod:`tests.patch_strategies`); the
engine builds each one or declines it; all accepted cases of a batch are built by ONE kubectl run
(:mod:`tests.patch_cases`). For every case: declined, or kubectl succeeds and prints exactly the engine's bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.conftest import require_kubectl
from tests.patch_cases import Case, Outcome, materialize, run_batch, split_stream
from tests.patch_strategies import cases


def _collect(examples: int, derandomize: bool) -> list[Case]:
    collected: list[Case] = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(cases())
    def collect(case: Case) -> None:
        collected.append(case)

    collect()
    return collected


def _differential(tmp_path: Path, examples: int, batch: int, derandomize: bool) -> Outcome:
    require_kubectl()
    corpus = _collect(examples, derandomize)
    outcome = Outcome()
    for start in range(0, len(corpus), batch):
        run_batch(corpus[start:start + batch], tmp_path / f"batch{start}", outcome)
    report = "\n\n".join(outcome.mismatches[:3])
    assert not outcome.mismatches, f"{len(outcome.mismatches)} of {outcome.accepted} accepted cases differ:\n{report}"
    assert outcome.accepted >= outcome.cases // 3, f"only {outcome.accepted} of {outcome.cases} cases accepted"
    assert outcome.accepted < outcome.cases, "the corpus must also hold cases the engine declines"
    return outcome


def test_engine_matches_kubectl_on_a_generated_corpus(tmp_path: Path) -> None:
    """~150 cases, one kubectl run (derandomized: the same corpus every run)."""
    _differential(tmp_path, examples=150, batch=150, derandomize=True)


@pytest.mark.slow
def test_engine_matches_kubectl_on_a_large_random_corpus(tmp_path: Path) -> None:
    """A fresh random corpus each run: 600 cases in 2 kubectl runs."""
    _differential(tmp_path, examples=600, batch=300, derandomize=False)


@pytest.mark.slow
def test_a_batch_prints_each_case_as_kubectl_prints_it_alone(tmp_path: Path) -> None:
    """The batching itself is sound: cases built alone print what the batch printed for them."""
    import subprocess

    corpus = _collect(6, derandomize=True)
    outcome = Outcome()
    run_batch(corpus, tmp_path / "batch", outcome)
    assert not outcome.mismatches
    whole = subprocess.run([require_kubectl(), "kustomize", str(tmp_path / "batch")], capture_output=True,
                           text=True, check=True).stdout
    printed = split_stream(whole)
    assert printed
    for index, text in printed.items():
        alone = tmp_path / "alone" / str(index)
        materialize(corpus[index], index, alone)
        own = subprocess.run([require_kubectl(), "kustomize", str(alone)], capture_output=True, text=True,
                             check=True).stdout
        assert own == text
