"""Rasa 3 graph component: Japanese tokenizer on fugashi (MeCab) with unidic-lite.

Modelled on Rasa's ``JiebaTokenizer``. Tokens are exact substrings of the message
(entity offsets depend on it); the NFKC-normalised dictionary form goes into the
lemma, which Rasa's count-vector featurizers read, and the part of speech into the
``pos`` data that ``LexicalSyntacticFeaturizer`` reads.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.spacy_tokenizer import POS_TAG_KEY
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.japanese import split_words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FugashiTokenizer(Tokenizer):
    """Splits Japanese text into words with MeCab, keeping identifiers whole."""

    @staticmethod
    def supported_languages() -> List[str] | None:
        return ["ja"]

    @staticmethod
    def required_packages() -> List[str]:
        return ["fugashi", "unidic_lite"]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Flag to check whether to split intents
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split
            "intent_split_symbol": "_",
            # Regular expression to detect tokens
            "token_pattern": None,
            # Symbol on which prefix should be split
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FugashiTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(word.text, word.start, data={POS_TAG_KEY: word.pos}, lemma=word.lemma)
            for word in split_words(text)
        ]
        return self._apply_token_pattern(tokens)
