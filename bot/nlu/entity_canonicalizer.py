"""Rasa 3 graph component: canonical values for order_id, email and phone entities.

Runs after the regex entity extractor. Whatever the customer typed (全角, lower case,
``#``, any dash), the value that reaches the actions is canonical; a match that is not
a valid value is dropped, and of overlapping matches the one listed first in
``bot.identifiers.ENTITY_PATTERNS`` wins (an e-mail beats the order number inside it).
"""

from __future__ import annotations

import bisect
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.identifiers import CANONICALIZERS, ENTITY_PATTERNS, canonical_value

_PRIORITY = {name: rank for rank, name in enumerate(ENTITY_PATTERNS)}


def canonicalize_entities(entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Entities with canonical values; invalid and overlapped identifier matches removed."""
    others = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) not in CANONICALIZERS]
    candidates = []
    for entity in entities:
        kind = entity.get(ENTITY_ATTRIBUTE_TYPE)
        if kind not in CANONICALIZERS:
            continue
        value = canonical_value(kind, str(entity.get(ENTITY_ATTRIBUTE_VALUE, "")))
        if value is not None:
            processors = [*entity.get("processors", []), EntityCanonicalizer.__name__]
            candidates.append({**entity, ENTITY_ATTRIBUTE_VALUE: value, "processors": processors})
    candidates.sort(
        key=lambda e: (
            _PRIORITY[e[ENTITY_ATTRIBUTE_TYPE]],
            -(e[ENTITY_ATTRIBUTE_END] - e[ENTITY_ATTRIBUTE_START]),
        )
    )
    kept: List[Dict[str, Any]] = []
    # Kept spans never overlap, so sorted by start they are sorted by end too and a new
    # span can only overlap its neighbours there (a long message can carry thousands of
    # matches; comparing each with every kept one was quadratic).
    kept_starts: List[int] = []
    kept_ends: List[int] = []
    for entity in candidates:
        start, end = entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
        at = bisect.bisect_right(kept_starts, start)
        if at > 0 and kept_ends[at - 1] > start:
            continue  # the kept span starting at or before this one reaches into it
        if at < len(kept_starts) and kept_starts[at] < end:
            continue  # the kept span starting after this one begins inside it
        kept_starts.insert(at, start)
        kept_ends.insert(at, end)
        kept.append(entity)
    # the same span found twice (e.g. by two extractors) is kept once
    unique = {(e[ENTITY_ATTRIBUTE_TYPE], e[ENTITY_ATTRIBUTE_START]): e for e in kept}
    result = others + list(unique.values())
    return sorted(result, key=lambda e: e.get(ENTITY_ATTRIBUTE_START, 0))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityCanonicalizer(GraphComponent):
    """Rewrites identifier entity values into their canonical form."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityCanonicalizer:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES, [])
            if entities:
                message.set(ENTITIES, canonicalize_entities(entities), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # training annotations keep the typed text; only predictions are rewritten
        return training_data
