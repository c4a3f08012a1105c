"""The Rasa project itself: data validation and test stories on the trained model."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import run_rasa


def test_training_data_and_domain_are_consistent() -> None:
    result = run_rasa("data", "validate", "--domain", "domain.yml", "--data", "data", timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_stories_pass_without_prediction_errors(trained_model: Path, tmp_path: Path) -> None:
    result = run_rasa(
        "test", "core", "--model", str(trained_model), "--stories", "tests/test_stories.yml",
        "--out", str(tmp_path / "results"), "--fail-on-prediction-errors",
    )
    failed = (tmp_path / "results" / "failed_test_stories.yml")
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-3000:] + result.stderr[-3000:]
