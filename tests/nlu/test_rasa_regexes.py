"""Rasa's regex components run the patterns of data/nlu/regex.yml as they are."""

import re
import time

import yaml
from rasa.nlu.utils.pattern_utils import extract_patterns
from rasa.shared.nlu.training_data.loading import load_data

from bot.identifiers import ENTITY_PATTERNS
from tests.conftest import ROOT

REGEX_COMPONENTS = {"RegexFeaturizer", "RegexEntityExtractor"}


def test_regex_components_do_not_wrap_the_patterns_in_word_boundaries():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    components = [c for c in config["pipeline"] if c["name"] in REGEX_COMPONENTS]
    assert {c["name"] for c in components} == REGEX_COMPONENTS
    # with word boundaries Rasa would build its own pattern around ours, and \b between
    # Japanese characters would miss 注文番号A-100234
    assert all(c["use_word_boundaries"] is False for c in components)


def test_rasa_reads_the_linear_patterns_and_scans_a_long_message_quickly():
    data = load_data(str(ROOT / "data" / "nlu" / "regex.yml"))
    patterns = extract_patterns(data, use_lookup_tables=False, use_word_boundaries=False)
    assert {p["name"]: p["pattern"] for p in patterns} == {
        name: rx.pattern for name, rx in ENTITY_PATTERNS.items()
    }
    text = "ａ" * 100_000  # the quadratic e-mail pattern took minutes over this
    for pattern in patterns:
        started = time.process_time()
        # the flags Rasa uses with case_sensitive: False
        list(re.finditer(pattern["pattern"], text, flags=re.IGNORECASE))
        assert time.process_time() - started < 0.5, pattern["name"]
