"""The ja_ginza vectors reader and the dense featurizer, on a small table made here."""

import msgpack
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.fugashi_tokenizer import FugashiTokenizer
from bot.nlu.word_vector_featurizer import WordVectorFeaturizer
from bot.nlu.word_vectors import WordVectors, murmurhash64a


@pytest.mark.parametrize(
    ("word", "key"),
    [  # spacy.strings.hash_string of spaCy 3.4.4
        ("縮む", 8858055880756700199),
        ("返品", 14965169178509343197),
        ("a", 11901859001352538922),
        ("abcdefgh", 17751780907874141760),
        ("abcdefghi", 13885881106499164936),
        ("", 14313749767032693980),
    ],
)
def test_keys_are_spacys_string_hashes(word, key):
    assert murmurhash64a(word.encode("utf-8")) == key


@pytest.fixture()
def vectors(tmp_path):
    """A three-row table in ja_ginza's file layout: 返品 and 返す share a row."""
    table = np.array([[1, 0, 0], [0, 2, 0], [0, 0, 3]], dtype=np.float32)
    key2row = {murmurhash64a(w.encode()): row for w, row in (("返品", 0), ("返す", 0), ("縮む", 1))}
    with open(tmp_path / "vectors", "wb") as f:
        np.save(f, table)
    (tmp_path / "key2row").write_bytes(msgpack.packb(key2row))
    return WordVectors.from_directory(tmp_path)


def test_the_table_is_read_without_spacy(vectors):
    assert vectors.dimensions == 3
    assert vectors.vector("返品").tolist() == [1, 0, 0]
    assert vectors.vector("返す").tolist() == [1, 0, 0]
    assert vectors.vector("洗う") is None


def _featurized(vectors, text, **config):
    config = {**WordVectorFeaturizer.get_default_config(), **config}
    featurizer = WordVectorFeaturizer(config, "vectors", vectors)
    message = Message(data={"text": text})
    FugashiTokenizer(FugashiTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features("text")
    return message, sequence.features, sentence.features


def test_tokens_are_looked_up_by_form_then_lemma(vectors):
    # 縮み is not in the table, its lemma 縮む is; unknown tokens get zeros
    message, sequence, sentence = _featurized(vectors, "縮みますか", sentence_norm=0)
    words = [t.text for t in message.get("text_tokens")]
    assert sequence.shape == (len(words), 3)
    assert sequence[words.index("縮み")].tolist() == [0, 2, 0]
    assert sentence.tolist() == [[0, 2, 0]]  # mean over the known tokens only


def test_the_sentence_vector_has_the_configured_length(vectors):
    _, _, sentence = _featurized(vectors, "返品して縮む", sentence_norm=3.0)
    assert np.linalg.norm(sentence) == pytest.approx(3.0)


def test_a_sentence_without_known_words_gets_a_zero_vector(vectors):
    _, _, sentence = _featurized(vectors, "こんにちは")
    assert not sentence.any()


def test_create_reads_the_installed_package_or_says_what_to_install(monkeypatch):
    import bot.nlu.word_vectors as word_vectors

    monkeypatch.setattr(word_vectors.importlib.util, "find_spec", lambda name: None)
    word_vectors.load_vectors.cache_clear()
    with pytest.raises(ModuleNotFoundError, match="pip install ja_ginza"):
        WordVectorFeaturizer.create(
            WordVectorFeaturizer.get_default_config(),
            None,
            None,
            ExecutionContext(GraphSchema({}), "x"),
        )
    word_vectors.load_vectors.cache_clear()
