"""Per-item metric functions, pure, exactly as docs/method.md §8 defines them (scores in [0, 1])."""

from __future__ import annotations

import random

from adamllm.evaluation.normalize import normalize_answer, word_counts

EDGE_CHARACTERS = (",", ".", "!", "?", ";", ":", "'")


# --- VQA (SLAKE, PathVQA, VQA-RAD) -----------------------------------------------------------


def vqa_normalize(text: str) -> str:
    """Lowercase and normalise once as the evaluation loop does; the word metrics normalise again."""
    return normalize_answer(normalize_answer(text.lower()))


def open_recall(prediction: str, label: str) -> float:
    """Word recall of an OPEN answer: tp = prediction counts of shared words, fn = reference counts of missed ones."""
    predicted, reference = word_counts(vqa_normalize(prediction)), word_counts(vqa_normalize(label))
    if not predicted or not reference:
        return 0.0
    tp = sum(count for word, count in predicted.items() if word in reference)
    fn = sum(count for word, count in reference.items() if word not in predicted)
    return 0.0 if tp == 0 else tp / (tp + fn)


def closed_hit(prediction: str, label: str) -> float:
    """Yes/no accuracy of a CLOSED answer: 'yes' or 'no' occurs, and so does the label (substrings: 'no' ⊂ 'not')."""
    predicted, reference = normalize_answer(prediction.lower()), normalize_answer(label.lower())
    return float(("yes" in predicted or "no" in predicted) and reference in predicted)


# --- multiple choice (PMC-VQA, Food101) ----------------------------------------------------------


def parse_choice(response: str, choices: list[str], option_texts: dict[str, str], seed) -> tuple[str, bool]:
    """The option a response picks, and whether it had to be drawn at random (seeded by ``seed``)."""
    for character in EDGE_CHARACTERS:
        response = response.strip(character)
    response = f" {response} "
    candidates = [c for c in choices if f"({c})" in response] if "(" in response else []
    by_bracket = bool(candidates)
    if not candidates:
        candidates = [c for c in choices if f" {c} " in response]
    by_text = False
    lowered = response.lower()
    if not candidates and len(response) > 5:
        candidates = [c for c, text in option_texts.items() if text.lower() in lowered]
        by_text = bool(candidates)
    if not candidates:
        return random.Random(seed).choice(choices), True
    if len(candidates) == 1:
        return candidates[0], False
    if by_text:
        positions = [lowered.rfind(option_texts[c].lower()) for c in candidates]
    elif by_bracket:
        positions = [response.rfind(f"({c})") for c in candidates]
    else:
        positions = [response.rfind(f" {c} ") for c in candidates]
    return candidates[positions.index(max(positions))], False


# --- multi-label (FoodSeg103, Nutrition5K) -------------------------------------------------------


def longest_first(names: dict[int, str]) -> list[tuple[int, str]]:
    """(id, name) pairs, longest names first (stable among equal lengths): the matching order of parse_labels."""
    return sorted(names.items(), key=lambda item: len(item[1]), reverse=True)


def parse_labels(response: str, ordered: list[tuple[int, str]]) -> set[int]:
    """Ids of the names found in a response, in ``longest_first`` order, each match removed before the next."""
    found = set()
    response = response.lower()
    for index, name in ordered:
        if name.lower() in response:
            found.add(index)
            response = response.replace(name.lower(), "")
    return found


def _confusion(truth: set[int], predicted: set[int], ids: range) -> tuple[int, int, int]:
    truth, predicted = truth & set(ids), predicted & set(ids)
    return len(truth & predicted), len(predicted - truth), len(truth - predicted)


def multilabel_recall(truth: set[int], predicted: set[int], ids: range) -> float:
    """Recall over binary vectors on ``ids``; 1 when there is nothing to recall (zero_division=1)."""
    tp, _fp, fn = _confusion(truth, predicted, ids)
    return 1.0 if tp + fn == 0 else tp / (tp + fn)


def multilabel_f1(truth: set[int], predicted: set[int], ids: range) -> float:
    """F1 over binary vectors on ``ids``; 1 when both vectors are empty (zero_division=1)."""
    tp, fp, fn = _confusion(truth, predicted, ids)
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


# --- Recipe1M ----------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [" ".join(part.split()) for part in text.split(".") if len(part) > 0]


def _words(sentences: list[str]) -> list[str]:
    return [word for sentence in sentences for word in sentence.split(" ")]


def _positions(words: list[str]) -> dict[str, int]:
    """Word → bit mask of where it occurs in ``words`` (bit j for ``words[j]``)."""
    masks: dict[str, int] = {}
    for position, word in enumerate(words):
        masks[word] = masks.get(word, 0) | 1 << position
    return masks


def _lcs_rows(reference: list[str], positions: dict[str, int], width: int) -> list[int]:
    """The LCS table of ``reference`` against the candidate whose ``_positions`` are given, row by row, as bit
    masks: bit j - 1 of row i is set where table[i][j] = table[i][j - 1] + 1, so table[i][j] is the number of
    bits set below bit j. Bit-parallel (Hyyrö 2004), one step per reference word."""
    full = (1 << width) - 1
    ones = full  # the complement of the increments
    rows = [0]
    for word in reference:
        matches = ones & positions.get(word, 0)
        ones = ((ones + matches) | (ones - matches)) & full
        rows.append(ones ^ full)
    return rows


def _lcs_words(
    reference: list[str], candidate: list[str], wanted: set[str], positions: dict[str, int] | None = None
) -> set[str]:
    """Which of the ``wanted`` words are on the longest common subsequence the ``rouge`` package backtracks;
    the backtracking stops once all are found (``positions``: the candidate's ``_positions``, if known)."""
    rows = _lcs_rows(reference, positions or _positions(candidate), len(candidate))
    found: set[str] = set()
    i, j = len(reference), len(candidate)
    length = rows[i].bit_count()  # table[i][j] along the way
    while i > 0 and j > 0:
        if reference[i - 1] == candidate[j - 1]:
            if reference[i - 1] in wanted:
                found.add(reference[i - 1])
                if len(found) == len(wanted):
                    break
            i, j, length = i - 1, j - 1, length - 1
            continue
        up, left = (rows[i - 1] & ((1 << j) - 1)).bit_count(), length - (rows[i] >> (j - 1) & 1)
        if up > left:
            i, length = i - 1, up
        else:
            j, length = j - 1, left
    return found


def rouge_l(prediction: str, label: str) -> float:
    """ROUGE-L F as the ``rouge`` package computes it (summary level, sentences split on '.', distinct words).

    Where that package raises (a side without sentences), the score is 0. A sentence pair can add only shared
    words not yet in the union: it is skipped when there are none, and its LCS is followed only until all
    are found.
    """
    hypothesis, reference = _sentences(prediction), _sentences(label)
    if not hypothesis or not reference:
        return 0.0
    hypothesis_words = set(_words(hypothesis))
    candidates = [(words, _positions(words)) for words in (sentence.split(" ") for sentence in hypothesis)]
    union: set[str] = set()
    for sentence in reference:
        words = sentence.split(" ")
        fresh = hypothesis_words.intersection(words) - union  # the words this sentence could still add
        for candidate, positions in candidates:
            if not fresh:
                break
            if not fresh.isdisjoint(positions):
                found = _lcs_words(words, candidate, fresh.intersection(positions), positions)
                union |= found
                fresh -= found
    recall = len(union) / len(set(_words(reference)))
    precision = len(union) / len(hypothesis_words)
    return 2.0 * ((precision * recall) / (precision + recall + 1e-8))
