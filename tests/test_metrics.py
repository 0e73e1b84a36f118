"""Metrics, from docs/method.md §8: hand-worked cases, independent computations and oracles."""

import json
import random
import subprocess
import sys

import pytest

from adamllm.core.errors import BadInputError
from adamllm.evaluation import metrics
from adamllm.evaluation.normalize import normalize_answer
from adamllm.evaluation.scoring import score_file
from adamllm.evaluation.tasks import foodseg103_names, nutrition5k_names, score_vqa


@pytest.mark.parametrize(
    "text,expected",
    [
        ("The Left Lung.", "left lung"),  # lowercase, article dropped, period stripped
        ("two nodules", "2 nodules"),  # number words → digits
        ("none", "0"),
        ("it is 3.5 cm", "it is 3.5 cm"),  # a period before a digit stays
        ("yes, it is", "yes it is"),  # ', ' → the comma is removed
        ("left/right", "left right"),  # '/' not beside a space → a space
        ("dont know", "don't know"),  # contractions restored
        ("an MRI (T2)", "mri t2"),
    ],
)
def test_normalisation(text, expected):
    assert normalize_answer(text) == expected


def test_normalisation_strips_at_most_32_periods():
    assert normalize_answer("x" + "." * 40) == "x" + "." * 8  # LLaVA-Med passes re.UNICODE (32) as the count


@pytest.mark.parametrize(
    "pred,label,expected",
    [
        ("left lung", "lung", 1.0),  # tp = 1 (lung), fn = 0
        ("lung", "left lung", 0.5),  # tp = 1, fn = 1 (left)
        ("lung lung", "lung", 1.0),  # tp counts the prediction's occurrences
        ("lung", "lung lung heart", 1 / 2),  # tp = 1, fn = 1 (heart); shared words never count in fn
        ("", "lung", 0.0),
        ("heart", "lung", 0.0),
        ("Two lesions.", "2 lesions", 1.0),
    ],
)
def test_open_recall(pred, label, expected):
    assert metrics.open_recall(pred, label) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "pred,label,hit",
    [
        ("Yes, it is.", "yes", 1.0),
        ("No.", "no", 1.0),
        ("not sure", "no", 1.0),  # substring rule: "no" ⊂ "not" — reproduced as docs/method.md §8 says
        ("No", "yes", 0.0),
        ("maybe", "yes", 0.0),  # neither yes nor no
        ("", "no", 0.0),
    ],
)
def test_closed_hit(pred, label, hit):
    assert metrics.closed_hit(pred, label) == hit


def test_vqa_scores_average_by_kind_and_survive_missing_kinds():
    rows = [
        {"id": 0, "answer_type": "OPEN", "label": "left lung", "pred": "lung"},
        {"id": 1, "answer_type": "OPEN", "label": "heart", "pred": "heart"},
        {"id": 2, "answer_type": "CLOSED", "label": "yes", "pred": "no"},
    ]
    assert score_vqa(rows) == {"test_num": 3, "open_recall": 75.0, "closed_accuracy": 0.0}
    assert score_vqa(rows[:2])["closed_accuracy"] is None
    assert score_vqa(rows[2:])["open_recall"] is None


ABCD = {"A": "liver", "B": "kidney", "C": "lung", "D": "heart"}


@pytest.mark.parametrize(
    "response,choice,random_flag",
    [
        ("(B)", "B", False),
        ("The answer is B.", "B", False),  # ' B ' after stripping the final period
        ("It shows the kidney", "B", False),  # option text, response longer than 5 characters
        ("(A) but it could also be the lung", "A", False),  # letter beats option text
        ("(A) no, (C)", "C", False),  # several letters: the last one
        ("lung or maybe heart", "D", False),  # several texts: the one occurring last
        ("B or C", "C", False),
    ],
)
def test_multiple_choice(response, choice, random_flag):
    assert metrics.parse_choice(response, list("ABCD"), ABCD, seed=3) == (choice, random_flag)


def test_multiple_choice_falls_back_to_a_seeded_random_choice():
    first = metrics.parse_choice("hmm", list("ABCD"), ABCD, seed=7)
    assert first[1] is True and first[0] == random.Random(7).choice(list("ABCD"))
    assert metrics.parse_choice("lung", list("ABCD"), ABCD, seed=7) == ("C", False)  # " lung ": 6 > 5 characters
    assert metrics.parse_choice("lun", list("ABCD"), ABCD, seed=7)[1] is True  # " lun ": too short for text matching


def plain_parse_choice(response, choices, option_texts, seed):
    """parse_choice as docs/method.md states it, each test written out in full."""
    for character in metrics.EDGE_CHARACTERS:
        response = response.strip(character)
    response = f" {response} "
    found = [(response.rfind(f"({c})"), c) for c in choices if f"({c})" in response]
    found = found or [(response.rfind(f" {c} "), c) for c in choices if f" {c} " in response]
    if not found and len(response) > 5:
        found = [(response.lower().rfind(text.lower()), c) for c, text in option_texts.items()
                 if text.lower() in response.lower()]  # fmt: skip
    if not found:
        return random.Random(seed).choice(choices), True
    return max(found, key=lambda position_choice: position_choice[0])[1], False


@pytest.mark.parametrize("seed", range(5))
def test_multiple_choice_over_a_class_list_matches_the_plain_statement(seed):
    from adamllm.evaluation.tasks import food101_options

    options = food101_options()
    rng = random.Random(seed)
    pieces = [*rng.sample(list(options.values()), 8), *rng.sample(list(options), 8), "(3)", "(", "Pizza", "İ", ".", " "]
    for index in range(300):
        response = "".join(rng.choice(pieces) + rng.choice(["", " ", ", "]) for _ in range(rng.randrange(5)))
        expected = plain_parse_choice(response, list(options), options, index)
        assert metrics.parse_choice(response, list(options), options, index) == expected, response


def test_multi_label_longest_names_first():
    names = metrics.longest_first(foodseg103_names())
    assert metrics.parse_labels("An egg tart.", names) == {2}  # not also "egg"
    assert metrics.parse_labels("egg and an egg tart", names) == {2, 24}
    assert metrics.parse_labels("Eggplant", names) == {69}


def vector_scores(truth, predicted, ids):
    """Recall and F1 from explicit binary vectors, with zero_division = 1."""
    y_true = [1 if i in truth else 0 for i in ids]
    y_pred = [1 if i in predicted else 0 for i in ids]
    tp = sum(t and p for t, p in zip(y_true, y_pred, strict=True))
    fp = sum(p and not t for t, p in zip(y_true, y_pred, strict=True))
    fn = sum(t and not p for t, p in zip(y_true, y_pred, strict=True))
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    f1 = 2 * precision * recall / (precision + recall) if tp else (1.0 if not (fp or fn) else 0.0)
    return recall, f1


@pytest.mark.parametrize("seed", range(30))
def test_multilabel_scores_match_binary_vector_definitions(seed):
    rng = random.Random(seed)
    ids = range(1, 103)
    truth = set(rng.sample(list(ids), rng.randrange(0, 4)))
    predicted = set(rng.sample(list(ids), rng.randrange(0, 4))) | set(rng.sample(list(truth), len(truth) // 2))
    recall, f1 = vector_scores(truth, predicted, ids)
    assert metrics.multilabel_recall(truth, predicted, ids) == pytest.approx(recall, abs=1e-12)
    assert metrics.multilabel_f1(truth, predicted, ids) == pytest.approx(f1, abs=1e-12)


def test_nutrition5k_repeated_name_keeps_last_id():
    names = nutrition5k_names()
    deprecated = [i for i, n in names.items() if n == "deprecated"]
    assert len(deprecated) == 4
    from adamllm.evaluation.tasks import _by_name, _ids_of

    assert _ids_of(["deprecated"], _by_name(names), "Nutrition5K") == {deprecated[-1]}


def rouge_oracle(pred, label):
    from rouge import Rouge

    try:
        return Rouge().get_scores(pred, label)[0]["rouge-l"]["f"]
    except Exception:  # the reference scores an exception as 0
        return 0.0


@pytest.mark.parametrize("seed", range(60))
def test_rouge_l_matches_the_rouge_package(seed):
    rng = random.Random(seed)
    vocab = ["salt", "pepper", "mix", "bake", "egg", "the", "flour", ".", ". ", " "]

    def text():
        return "".join(rng.choice(vocab) + rng.choice(["", " "]) for _ in range(rng.randrange(0, 25)))

    pred, label = text(), text()
    assert metrics.rouge_l(pred, label) == pytest.approx(rouge_oracle(pred, label), abs=1e-9)


def test_rouge_l_hand_example_and_empty_prediction():
    # reference words {mix, flour, bake}, candidate {mix, the, flour}: LCS words {mix, flour}
    assert metrics.rouge_l("mix the flour", "mix flour. bake") == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3 + 1e-8))
    assert metrics.rouge_l("", "mix flour") == 0.0


def textbook_lcs_words(reference, candidate):
    """The words of the LCS the ``rouge`` package backtracks, from the full dynamic-programming table."""
    n, m = len(reference), len(candidate)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if reference[i - 1] == candidate[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    words, i, j = set(), n, m
    while i > 0 and j > 0:
        if reference[i - 1] == candidate[j - 1]:
            words.add(reference[i - 1])
            i, j = i - 1, j - 1
        elif table[i - 1][j] > table[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return words


def textbook_rouge_l(prediction, label):
    """ROUGE-L F over every sentence pair, each pair's LCS words from the full table."""
    hypothesis = [" ".join(part.split()) for part in prediction.split(".") if part]
    reference = [" ".join(part.split()) for part in label.split(".") if part]
    if not hypothesis or not reference:
        return 0.0
    union = set()
    for sentence in reference:
        for candidate in hypothesis:
            union |= textbook_lcs_words(sentence.split(" "), candidate.split(" "))
    recall = len(union) / len({word for sentence in reference for word in sentence.split(" ")})
    precision = len(union) / len({word for sentence in hypothesis for word in sentence.split(" ")})
    return 2.0 * ((precision * recall) / (precision + recall + 1e-8))


@pytest.mark.parametrize("seed", range(20))
def test_bit_parallel_lcs_finds_the_words_of_the_textbook_table_path(seed):
    """Small alphabets give many ties; lengths past 64 words need more than one machine word."""
    rng = random.Random(seed)
    for _ in range(100):
        alphabet = [f"w{k}" for k in range(rng.randint(1, 6))] + [""]
        reference = rng.choices(alphabet, k=rng.randrange(0, 150 if rng.random() < 0.2 else 12))
        candidate = rng.choices(alphabet, k=rng.randrange(0, 150 if rng.random() < 0.2 else 12))
        shared = set(reference) & set(candidate)
        expected = textbook_lcs_words(reference, candidate)
        assert metrics._lcs_words(reference, candidate, shared) == expected
        wanted = set(rng.sample(sorted(shared), rng.randrange(len(shared) + 1)))
        assert metrics._lcs_words(reference, candidate, wanted) == expected & wanted


@pytest.mark.parametrize("seed", range(20))
def test_rouge_l_equals_the_textbook_computation_to_the_bit(seed):
    rng = random.Random(seed)
    vocab = ["salt", "Salt", "pepper", "mix", "bake", "the", "1", "tsp", "é", ".", ". ", " ", "\n", "..", "\t"]

    def text():
        return "".join(rng.choice(vocab) + rng.choice(["", " ", "  "]) for _ in range(rng.randrange(0, 120)))

    for _ in range(50):
        prediction, label = text(), text()
        for pair in ((prediction, label), (label, label), (prediction, ""), ("", label), (". .", label)):
            assert metrics.rouge_l(*pair) == textbook_rouge_l(*pair), pair


def write_rows(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_score_command_prints_the_task_keys(tmp_path):
    rows = [{"id": i, "label": "apple_pie", "pred": p} for i, p in enumerate(["apple pie", "(3)", " 0 "])]
    result = subprocess.run(
        [sys.executable, "-m", "adamllm.cli", "score", "Food101", str(write_rows(tmp_path / "p.jsonl", rows))],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout) == {"test_num": 3, "accuracy": pytest.approx(200 / 3, abs=1e-9)}


@pytest.mark.parametrize(
    "rows,message",
    [
        ([{"id": 0, "label": "yes", "answer_type": "CLOSED"}], "field(s) missing: 'pred'"),
        ([{"id": 0, "label": "yes", "pred": "yes"}], "field(s) missing: 'answer_type'"),
        ([{"id": 0, "label": "y", "pred": "y", "answer_type": "closed"}], "answer_type must be OPEN or CLOSED"),
        ([{"id": 0, "label": "y", "pred": "y", "answer_type": "OPEN", "task": "Food101"}], "not SLAKE"),
        ([], "empty file"),
    ],
)
def test_bad_predictions_files(tmp_path, rows, message):
    with pytest.raises(BadInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score_file("SLAKE", write_rows(tmp_path / "p.jsonl", rows))


def test_unknown_task_name(tmp_path):
    with pytest.raises(ValueError, match="unknown task 'SLAKE2'"):
        score_file("SLAKE2", write_rows(tmp_path / "p.jsonl", [{"id": 0}]))
