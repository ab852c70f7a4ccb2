"""The dialogue level of the order flows: `rasa test core` on tests/stories must predict every
action of every test story (which action follows which intent, the forms' loops, はい and
いいえ after a question), with the trained model and --fail-on-prediction-errors."""

import json
import os
import subprocess

import pytest

from tests.conftest import RASA, ROOT

pytestmark = pytest.mark.slow

STORIES = ROOT / "tests" / "stories"
# What the stories are about: each must have been predicted at least once.
ACTIONS = (
    "action_answer_order",
    "verify_form",
    "details_form",
    "action_submit_details",
    "action_reply_yes",
    "action_reply_no",
    "action_deactivate_loop",
    "action_human_handoff",
    "action_answer_faq",
)


def test_the_test_stories_are_predicted_without_an_error(trained_model, tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [
            RASA,
            "test",
            "core",
            "--stories",
            str(STORIES),
            "--model",
            str(trained_model),
            "--fail-on-prediction-errors",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((out / "story_report.json").read_text(encoding="utf-8"))
    assert report["accuracy"] == 1.0
    for action in ACTIONS:
        assert report.get(action, {}).get("support", 0) > 0, f"no story predicts {action}"
    assert "None of the test stories failed" in (out / "failed_test_stories.yml").read_text(
        encoding="utf-8"
    )
