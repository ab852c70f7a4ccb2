"""Entity values that reach the actions are canonical; junk and overlaps are dropped."""

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.identifiers import ENTITY_PATTERNS
from bot.nlu.entity_canonicalizer import EntityCanonicalizer, canonicalize_entities
from tests.nlu.timing import cpu_seconds


def _entity(kind, text, start, extractor="RegexEntityExtractor"):
    return {
        "entity": kind,
        "value": text,
        "start": start,
        "end": start + len(text),
        "extractor": extractor,
    }


def test_typed_values_become_canonical():
    entities = canonicalize_entities(
        [
            _entity("order_id", "ａ－１００２３４", 0),
            _entity("email", "ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ", 10),
            _entity("phone", "090ー1234ー5678", 40),
        ]
    )
    assert [e["value"] for e in entities] == ["A-100234", "taro@example.jp", "09012345678"]
    assert all("EntityCanonicalizer" in e["processors"] for e in entities)


def test_invalid_values_are_dropped_and_other_entities_kept():
    entities = canonicalize_entities(
        [_entity("phone", "0120", 0), _entity("product", "マグ", 5, extractor="DIET")]
    )
    assert [(e["entity"], e["value"]) for e in entities] == [("product", "マグ")]


def test_the_email_wins_over_an_order_number_inside_it():
    entities = canonicalize_entities(
        [_entity("order_id", "ab12345", 0), _entity("email", "ab12345@example.jp", 0)]
    )
    assert [(e["entity"], e["value"]) for e in entities] == [("email", "ab12345@example.jp")]


def test_component_rewrites_message_entities():
    message = Message(data={TEXT: "＃１００１です"})
    message.set(ENTITIES, [_entity("order_id", "＃１００１", 0)])
    EntityCanonicalizer().process([message])
    assert message.get(ENTITIES)[0]["value"] == "1001"


def test_thousands_of_matches_in_one_long_message_take_linear_time():
    text = "A-1234 " * 14_285  # 100,000 characters, 14,285 order numbers
    found = [
        _entity(kind, m.group(), m.start())
        for kind, pattern in ENTITY_PATTERNS.items()
        for m in pattern.finditer(text)
    ]
    entities, seconds = cpu_seconds(canonicalize_entities, found)
    assert seconds < 0.5  # comparing every pair took about 8 s
    assert len(entities) == 14_285
