"""Parsing and pairing of synthesizer output, with texts written from docs/method.md §4's literal delimiters."""

import pytest

from adamllm.generation.synthesis import extract_triplet, pair_triplet, parse_qa_turns

USER = "<|start_header_id|>user<|end_header_id|>\n\n"
SEP = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
EOT = "<|eot_id|>"
P = "Answer with a precise response.\n"
I = "Answer with an informative response.\n"


def turn(question, answer, first=False):
    return ("" if first else USER) + question + SEP + answer + EOT


def test_well_formed_turns_are_split_into_question_and_answer():
    text = turn(P + "How many cells?", "3", first=True) + turn(I + "How many cells?", "I count three cells.")
    assert parse_qa_turns(text) == [(P + "How many cells?", "3"), (I + "How many cells?", "I count three cells.")]


def test_truncated_last_piece_is_dropped():
    text = turn(P + "Q1", "A1", first=True) + USER + P + "Q2" + SEP + "cut off in the midd"
    assert parse_qa_turns(text) == [(P + "Q1", "A1")]


def test_text_ending_in_open_user_header_drops_empty_last_piece():
    text = turn(P + "Q1", "A1", first=True) + USER
    assert parse_qa_turns(text) == [(P + "Q1", "A1")]


@pytest.mark.parametrize(
    "bad_piece",
    [
        "no separator at all" + EOT,  # cannot split into question and answer
        "Q" + SEP + "A" + SEP + "B" + EOT,  # splits into three parts
        "   " + SEP + "answer" + EOT,  # empty question
        "question" + SEP + "  " + EOT,  # empty answer
    ],
)
def test_malformed_pieces_are_dropped(bad_piece):
    text = turn(P + "Q1", "A1", first=True) + USER + bad_piece + turn(I + "Q1", "A2")
    assert parse_qa_turns(text) == [(P + "Q1", "A1"), (I + "Q1", "A2")]


def test_sides_are_stripped_and_trailing_eot_removed():
    text = "  " + P + "Q  " + SEP + "  the answer \n" + EOT
    assert parse_qa_turns(text) == [(P + "Q", "the answer")]


def test_empty_text_has_no_turns():
    assert parse_qa_turns("") == []
    assert extract_triplet("") is None


def test_triplet_from_precise_then_informative():
    turns = [(P + "What organ?", "liver"), (I + "What organ?", "The texture suggests liver tissue.")]
    assert pair_triplet(turns) == {
        "Q": "What organ?",
        "precise_A": "liver",
        "informative_A": "The texture suggests liver tissue.",
    }


def test_triplet_from_informative_then_precise():
    turns = [(I + "Q", "long answer"), (P + "Q", "short")]
    assert pair_triplet(turns) == {"Q": "Q", "precise_A": "short", "informative_A": "long answer"}


def test_first_question_with_both_answers_wins_and_only_one_triplet():
    turns = [
        (P + "A?", "a1"),
        (P + "B?", "b1"),
        (I + "B?", "b-long"),  # B completes first
        (I + "A?", "a-long"),
    ]
    assert pair_triplet(turns)["Q"] == "B?"


def test_hint_is_cut_exactly_and_the_rest_compared_as_it_is():
    """docs/method.md §4: the hint line is cut off exactly; the questions after it are not stripped again, so
    ' Q?' and 'Q?' are different questions."""
    precise, informative = "Answer with a precise response.\n", "Answer with an informative response.\n"
    turns = [(precise + " Q? ", "A"), (informative + "Q?", "long A"), (informative + " Q? ", "long B")]
    assert pair_triplet(turns) == {"Q": " Q? ", "precise_A": "A", "informative_A": "long B"}
    assert pair_triplet(turns[:2]) is None


def test_unhinted_and_unmatched_questions_give_no_triplet():
    assert pair_triplet([("What?", "x"), (P + "A?", "a"), (I + "B?", "b")]) is None
    assert pair_triplet([(P + "A?", "a"), (P + "A?", "again")]) is None


def test_extract_triplet_end_to_end():
    text = turn(P + "Is it stained?", "yes", first=True) + turn(I + "Is it stained?", "Yes, brown stain is visible.")
    assert extract_triplet(text) == {
        "Q": "Is it stained?",
        "precise_A": "yes",
        "informative_A": "Yes, brown stain is visible.",
    }
