"""The word vectors that the ``ja_ginza`` package ships, read without spaCy.

``ja_ginza`` 5.1.2 keeps 20,000 300-dimensional vectors for 480,443 words in
``vocab/vectors`` (a NumPy array) and ``vocab/key2row`` (msgpack: word hash -> row).
A word's key is spaCy's string hash, MurmurHash64A of its UTF-8 bytes with seed 1, so
a lookup needs neither spaCy nor GiNZA's pipeline, only these two files.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import msgpack
import numpy as np

PACKAGE = "ja_ginza"
_MASK = 0xFFFFFFFFFFFFFFFF
_M = 0xC6A4A7935BD1E995


def murmurhash64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, the hash spaCy keys its strings and vectors by (seed 1)."""
    h = (seed ^ (len(data) * _M)) & _MASK
    end = len(data) - len(data) % 8
    for i in range(0, end, 8):
        k = int.from_bytes(data[i : i + 8], "little")
        k = (k * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h ^= k
        h = (h * _M) & _MASK
    tail = data[end:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


def vectors_directory(package: str = PACKAGE) -> Path:
    """``<package>/<package>-<version>/vocab`` of the installed package, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the word vectors come from the {package} package: pip install {package}"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob(f"{package}-*/vocab/vectors"))
    if not found:
        raise FileNotFoundError(f"no vocab/vectors in {root}")
    return found[-1].parent


class WordVectors:
    """Word -> vector look-ups in one vectors table (unknown words have none)."""

    def __init__(self, table: np.ndarray, key2row: dict[int, int]) -> None:
        self.table = table
        self.key2row = key2row

    @property
    def dimensions(self) -> int:
        return int(self.table.shape[1])

    def row(self, word: str) -> int | None:
        return self.key2row.get(murmurhash64a(word.encode("utf-8")))

    def vector(self, word: str) -> np.ndarray | None:
        row = self.row(word)
        return None if row is None else self.table[row]

    @classmethod
    def from_directory(cls, directory: Path) -> WordVectors:
        table = np.load(directory / "vectors", allow_pickle=False).astype(np.float32)
        raw = (directory / "key2row").read_bytes()
        key2row = msgpack.unpackb(raw, strict_map_key=False, use_list=False)
        return cls(table, {int(k): int(v) for k, v in key2row.items()})


@functools.lru_cache(maxsize=2)
def load_vectors(package: str = PACKAGE) -> WordVectors:
    """The vectors of an installed spaCy model package, loaded once per process."""
    return WordVectors.from_directory(vectors_directory(package))
