"""preprocessing.sequence: pad_sequences, TimeseriesGenerator, skipgrams, make_sampling_table."""

import json
import math
import pathlib
import random

import numpy as np
import pytest

from polykeras import utils
from polykeras.preprocessing import sequence
from polykeras.preprocessing.sequence import (
    TimeseriesGenerator,
    make_sampling_table,
    pad_sequences,
    skipgrams,
)

RAGGED = [[1, 2, 3], [4, 5], [6], []]


# -- pad_sequences ----------------------------------------------------------------------------

def test_pad_sequences_on_ragged_lists():
    x = pad_sequences(RAGGED)
    assert x.dtype == np.int32
    assert x.tolist() == [[1, 2, 3], [0, 4, 5], [0, 0, 6], [0, 0, 0]]
    assert pad_sequences(RAGGED, padding="post").tolist() == \
        [[1, 2, 3], [4, 5, 0], [6, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize("padding, truncating, expected", [
    ("pre", "pre", [[2, 3], [4, 5], [-1, 6], [-1, -1]]),
    ("pre", "post", [[1, 2], [4, 5], [-1, 6], [-1, -1]]),
    ("post", "pre", [[2, 3], [4, 5], [6, -1], [-1, -1]]),
    ("post", "post", [[1, 2], [4, 5], [6, -1], [-1, -1]]),
])
def test_pad_sequences_padding_truncating_value(padding, truncating, expected):
    x = pad_sequences(RAGGED, maxlen=2, padding=padding, truncating=truncating, value=-1)
    assert x.tolist() == expected


def test_pad_sequences_dtypes_and_item_shapes():
    x = pad_sequences([[0.5, 1.5], [2.25]], dtype="float64", value=np.nan)
    np.testing.assert_array_equal(x, [[0.5, 1.5], [np.nan, 2.25]])
    assert pad_sequences([[1.9, -1.9]]).tolist() == [[1, -1]]  # int32 truncates like NumPy
    vectors = pad_sequences([np.ones((3, 2)), np.full((1, 2), 7.0)], maxlen=2, dtype="float32")
    assert vectors.shape == (2, 2, 2) and vectors.dtype == np.float32
    assert vectors.tolist() == [[[1, 1], [1, 1]], [[0, 0], [7, 7]]]
    assert pad_sequences((np.arange(3), range(2)), maxlen=4).tolist() == \
        [[0, 0, 1, 2], [0, 0, 0, 1]]
    assert pad_sequences([]).shape == (0, 0) and pad_sequences([], maxlen=3).shape == (0, 3)
    assert pad_sequences([[], []]).shape == (2, 0)


def test_pad_sequences_strings():
    words = [["hello", "big"], ["world"]]
    x = pad_sequences(words, dtype=object, value="<pad>")
    assert x.dtype == object and x.tolist() == [["hello", "big"], ["<pad>", "world"]]
    # an unsized str dtype is as wide as the longest string: nothing is cut
    x = pad_sequences(words, dtype=str, value="", padding="post")
    assert x.tolist() == [["hello", "big"], ["world", ""]] and x.dtype == np.dtype("<U5")
    x = pad_sequences([["a"]], maxlen=2, dtype="U", value="longer pad")
    assert x.tolist() == [["longer pad", "a"]]
    assert pad_sequences([[b"ab"]], maxlen=2, dtype="S", value=b"").tolist() == [[b"", b"ab"]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(sequences=[[1]], maxlen=0), r"pad_sequences: Expected maxlen an int >= 1 or None. "
                                      r"Received: maxlen=0"),
    (dict(sequences=[[1]], maxlen=2.5), r"Expected maxlen an int >= 1 or None. Received: "
                                        r"maxlen=2.5"),
    (dict(sequences=5), r"pad_sequences: Expected a list of sequences. Received: int 5"),
    (dict(sequences="abc"), r"pad_sequences: Expected a list of sequences. Received: str 'abc'"),
    (dict(sequences=[[1], 2]), r"pad_sequences: Expected a list of sequences \(lists, tuples or "
                               r"arrays\). Received: int 2 at position 1"),
    (dict(sequences=[[1]], padding="middle"), r"pad_sequences: Expected padding one of "
                                              r"\{.*\}. Received: padding='middle'"),
    (dict(sequences=[[1]], truncating="both"), r"pad_sequences: Expected truncating one of "
                                               r"\{.*\}. Received: truncating='both'"),
    (dict(sequences=[[1]], value="x"), r"pad_sequences: Expected a string or object dtype for "
                                       r"the string value='x'. Received: dtype=int32"),
    (dict(sequences=[[[1, 2]], [[1, 2, 3]]]), r"pad_sequences: Expected items of shape \(2,\) .*"
                                              r"Received: items of shape \(3,\) in the sequence "
                                              r"at position 1"),
    (dict(sequences=[["a", "b"]]), r"pad_sequences: Expected sequences of values convertible to "
                                   r"int32. Received: \['a', 'b'\] at position 0"),
])
def test_pad_sequences_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pad_sequences(**kwargs)


def test_remove_long_seq_keeps_strictly_shorter_sequences():
    assert sequence._remove_long_seq(3, [[1, 2], [1, 2, 3], [4]], ["a", "b", "c"]) == \
        ([[1, 2], [4]], ["a", "c"])


# -- TimeseriesGenerator ----------------------------------------------------------------------

def _series(n=50):
    return np.array([[i, 10 * i] for i in range(n)]), np.arange(n) * 2


def test_timeseries_generator_windows_and_targets():
    data, targets = _series()
    gen = TimeseriesGenerator(data, targets, length=10, sampling_rate=2, batch_size=2)
    assert isinstance(gen, utils.Sequence)
    assert len(gen) == 20  # rows 10 .. 49, two per batch
    x, y = gen[0]
    assert x.shape == (2, 5, 2)
    assert x[:, :, 0].tolist() == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
    assert y.tolist() == [20, 22]
    x, y = gen[-1]
    assert x[:, :, 0].tolist() == [[38, 40, 42, 44, 46], [39, 41, 43, 45, 47]]
    assert y.tolist() == [96, 98]
    batches = list(gen)
    assert len(batches) == 20 and batches[5][1].tolist() == targets[[20, 21]].tolist()


def test_timeseries_generator_stride_bounds_reverse_and_last_batch():
    data, targets = _series(20)
    gen = TimeseriesGenerator(data, targets, length=3, stride=4, start_index=2, end_index=15,
                              reverse=True, batch_size=3)
    # rows 5, 9, 13 then nothing: 17 > end_index
    assert len(gen) == 1
    x, y = gen[0]
    assert x[:, :, 0].tolist() == [[4, 3, 2], [8, 7, 6], [12, 11, 10]]
    assert y.tolist() == [10, 18, 26]
    gen = TimeseriesGenerator(data, targets, length=5, batch_size=4)
    assert len(gen) == 4 and gen[3][1].tolist() == [34, 36, 38]  # rows 17, 18, 19


def test_timeseries_generator_shuffle_draws_rows_in_range():
    data, targets = _series(30)
    gen = TimeseriesGenerator(data, targets, length=4, shuffle=True, batch_size=16)
    np.random.seed(0)
    x, y = gen[0]
    assert x.shape == (16, 4, 2)
    rows = y // 2
    assert rows.min() >= 4 and rows.max() <= 29
    np.testing.assert_array_equal(x[:, -1, 0], rows - 1)  # each window ends just before its target


def test_timeseries_generator_errors():
    data, targets = _series(10)
    with pytest.raises(ValueError, match="TimeseriesGenerator: Expected data and targets of the "
                                         "same length. Received: 10 and 9"):
        TimeseriesGenerator(data, targets[:9], length=2)
    with pytest.raises(ValueError, match=r"TimeseriesGenerator: Expected start_index \+ length <= "
                                         r"end_index.*Received: start_index \+ length = 12 > "
                                         r"end_index = 9"):
        TimeseriesGenerator(data, targets, length=12)
    with pytest.raises(ValueError, match="Expected length an int >= 1. Received: length=0"):
        TimeseriesGenerator(data, targets, length=0)
    gen = TimeseriesGenerator(data, targets, length=2, batch_size=4)
    with pytest.raises(IndexError, match=r"TimeseriesGenerator: Expected a batch index in "
                                         r"\[0, 2\). Received: 2"):
        gen[2]


# -- skipgrams and make_sampling_table --------------------------------------------------------

def test_skipgrams_positive_couples():
    couples, labels = skipgrams([1, 2, 0, 3], vocabulary_size=4, window_size=1,
                                negative_samples=0, shuffle=False)
    # 0 is not a word: neither a target nor a context
    assert couples == [[1, 2], [2, 1]] and labels == [1, 1]
    couples, labels = skipgrams([1, 2, 3], vocabulary_size=4, window_size=2,
                                negative_samples=0, shuffle=False, categorical=True)
    assert couples == [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]
    assert labels == [[0, 1]] * 6


def test_skipgrams_negative_samples_and_seed():
    state = random.getstate()
    couples, labels = skipgrams([1, 2, 3, 4], vocabulary_size=10, window_size=1,
                                negative_samples=1.5, seed=3)
    assert random.getstate() == state  # a seeded call leaves the global state alone
    assert len(couples) == 6 + 9 and labels.count(1) == 6 and labels.count(0) == 9
    positives = {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)}
    for (word, context), label in zip(couples, labels):
        if label == 1:
            assert (word, context) in positives
        else:
            assert word in (1, 2, 3, 4) and 1 <= context <= 9
    assert skipgrams([1, 2, 3, 4], 10, window_size=1, negative_samples=1.5, seed=3) == \
        (couples, labels)
    _, categorical = skipgrams([1, 2], 10, window_size=1, categorical=True, seed=1)
    assert sorted(categorical) == [[0, 1], [0, 1], [1, 0], [1, 0]]


def test_skipgrams_sampling_table_and_errors():
    never = np.zeros(5)
    assert skipgrams([1, 2, 3], 5, sampling_table=never, seed=0) == ([], [])
    always = np.ones(5)
    assert len(skipgrams([1, 2, 3], 5, window_size=1, negative_samples=0,
                         sampling_table=always)[0]) == 4
    with pytest.raises(ValueError, match=r"skipgrams: Expected word indices below "
                                         r"len\(sampling_table\)=2. Received: 3 at position 2"):
        skipgrams([1, 1, 3], 5, sampling_table=np.ones(2))
    with pytest.raises(ValueError, match="skipgrams: Expected vocabulary_size an int >= 2"):
        skipgrams([1, 1], 1)
    with pytest.raises(ValueError, match="skipgrams: Expected window_size an int >= 0"):
        skipgrams([1, 1], 5, window_size=-1)


def test_make_sampling_table_matches_the_word2vec_formula():
    table = make_sampling_table(6, sampling_factor=1e-3)
    expected = []
    for i in range(6):
        rank = max(i, 1)
        inverse_frequency = rank * (math.log(rank) + 0.577) + 0.5 - 1 / (12 * rank)
        expected.append(min(1.0, math.sqrt(1e-3 * inverse_frequency)))
    np.testing.assert_allclose(table, expected, rtol=1e-12)
    assert table.shape == (6,) and table[0] == table[1] and np.all(np.diff(table[1:]) > 0)
    assert make_sampling_table(10 ** 6, 1e-5)[-1] == 1.0  # rare words are always kept
    with pytest.raises(ValueError, match="make_sampling_table: Expected size an int >= 1"):
        make_sampling_table(0)


# -- Keras 2.2.4 names -------------------------------------------------------------------------

REFERENCE = (pathlib.Path(__file__).resolve().parents[2] / "shared" / "reference"
             / "keras224_api.json")


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the Keras 2.2.4 name list is absent")
@pytest.mark.parametrize("module", ["sequence", "text"])
def test_every_keras_224_preprocessing_name_is_importable(module):
    import importlib
    reference = json.loads(REFERENCE.read_text())
    assert f"keras.preprocessing.{module}" in reference["module_paths"]
    imported = importlib.import_module(f"polykeras.preprocessing.{module}")
    names = reference["ref"][f"preprocessing.{module}"]["defined"]
    assert names and [n for n in names if not hasattr(imported, n)] == []
    import polykeras
    assert getattr(polykeras.preprocessing, module) is imported
