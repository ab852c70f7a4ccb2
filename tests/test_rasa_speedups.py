"""The cached action-response validator accepts and rejects exactly what Rasa's own does."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlu  # noqa: F401 - applies the speed-up, as loading our model does

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "order_id", "value": "A-100234"}], "responses": []},
    {"events": [{"event": "followup", "name": "verify_form"}], "responses": [{"text": "はい"}]},
]
BAD = [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
]


def test_the_speed_up_is_in_place():
    assert RemoteAction._validate_action_result.__module__ == "bot.rasa_speedups"


@pytest.mark.parametrize("response", GOOD)
def test_valid_responses_pass_like_before(response):
    jsonschema.validate(response, RemoteAction.action_response_format_spec())  # Rasa's way
    assert RemoteAction("x", None)._validate_action_result(response) is True


@pytest.mark.parametrize("response", BAD)
def test_invalid_responses_are_rejected_like_before(response):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        RemoteAction("x", None)._validate_action_result(response)
