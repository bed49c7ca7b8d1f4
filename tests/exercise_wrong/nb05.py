"""Wrong solutions of notebook 05's exercises (BPE pair counts, a merge, bytes per token)."""


def frequency_ignored(words, frequencies):
    counts = {}
    for ids in words:
        for pair in zip(ids, ids[1:]):
            counts[pair] = counts.get(pair, 0) + 1
    return counts


def distinct_pairs_per_word(words, frequencies):
    counts = {}
    for ids, frequency in zip(words, frequencies):
        for pair in set(zip(ids, ids[1:])):  # a pair twice in a word counts once
            counts[pair] = counts.get(pair, 0) + frequency
    return counts


def pairs_across_words(words, frequencies):
    stream = [token for ids, frequency in zip(words, frequencies) for _ in range(frequency) for token in ids]
    counts = {}
    for pair in zip(stream, stream[1:]):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def right_to_left(ids, pair, new_id):
    merged, index = [], len(ids) - 1
    while index >= 0:
        if index >= 1 and (ids[index - 1], ids[index]) == tuple(pair):
            merged.append(new_id)
            index -= 2
        else:
            merged.append(ids[index])
            index -= 1
    return merged[::-1]


def first_occurrence_only(ids, pair, new_id):
    for index in range(len(ids) - 1):
        if (ids[index], ids[index + 1]) == tuple(pair):
            return list(ids[:index]) + [new_id] + list(ids[index + 2:])
    return list(ids)


def characters_not_bytes(texts, encoded):
    return sum(len(text) for text in texts) / sum(len(ids) for ids in encoded)


def mean_of_ratios(texts, encoded):
    ratios = [len(text.encode("utf-8")) / len(ids) for text, ids in zip(texts, encoded)]
    return sum(ratios) / len(ratios)


WRONG = [
    ("bpe_pair_counts", frequency_ignored, "on input ([[1, 2, 3], [2, 3]], [2, 5])"),
    ("bpe_pair_counts", distinct_pairs_per_word, "on input ([[1, 1, 1]], [3]) expected {(1, 1): 6}"),
    ("bpe_pair_counts", pairs_across_words, "on input ([[1, 2, 3], [2, 3]], [2, 5])"),
    ("bpe_merge_pair", right_to_left, "on input ([1, 1, 1], (1, 1), 9) expected [9, 1], got [1, 9]"),
    ("bpe_merge_pair", first_occurrence_only, "on input ([1, 2, 3, 1, 2], (1, 2), 9) expected [9, 3, 9]"),
    ("compression_bytes_per_token", characters_not_bytes, "on input (['naïve café'], [[1, 2, 3]]) expected 4.0"),
    ("compression_bytes_per_token", mean_of_ratios, "on input (['ab', 'abcd'], [[1], [1, 2, 3, 4]]) expected 1.2"),
]
