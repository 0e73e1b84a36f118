"""Synthesizer training set per docs/method.md §2."""

from collections import Counter

from adamllm.data.trainset import build_trainset

P, I = "Answer with a precise response.\n", "Answer with an informative response.\n"


def records(n_per_task=20, tasks=("a", "b", "c")):
    return [
        {
            "image": f"{task}/{i}.jpg",
            "task_name": task,
            "caption": f"caption {task} {i}",
            "precise": [[f"q{i}", "p"]],
            "informative": [[f"q{i}", "long"], [f"r{i}", "other"]],
        }
        for task in tasks
        for i in range(n_per_task)
    ]


def test_every_qa_is_hinted_and_kept():
    train, dev, _ = build_trainset(records(), "blank.jpg", 0.1, 0.1, 42)
    for sample in train + dev:
        kinds = Counter(t["kind"] for t in sample["turns"])
        assert kinds == {"precise": 1, "informative": 2}
        for t in sample["turns"]:
            hint = P if t["kind"] == "precise" else I
            assert t["question"].startswith(hint) and "<image>" not in t["question"]


def test_blank_share_and_split_per_task():
    train, dev, per_task = build_trainset(records(20), "blank.jpg", 0.1, 0.1, 42)
    assert len(train) == 3 * 18 and len(dev) == 3 * 2
    for task in "abc":
        samples = [s for s in train + dev if s["task_name"] == task]
        blanks = [s for s in samples if s["blank"]]
        assert len(blanks) == 2  # 10% of 20
        assert all(s["image"] == "blank.jpg" for s in blanks)
        assert all(s["caption"].startswith(f"caption {task}") for s in blanks)  # caption text kept
    assert per_task["a"] == {"train": 18, "dev": 2, "blank": 2}


def test_no_blank_ablation():
    train, dev, _ = build_trainset(records(), "blank.jpg", 0.0, 0.1, 42)
    assert not any(s["blank"] for s in train + dev)


def test_seeded_and_seed_sensitive():
    first = build_trainset(records(), "blank.jpg", 0.1, 0.1, 42)
    assert first == build_trainset(records(), "blank.jpg", 0.1, 0.1, 42)
    assert first[0] != build_trainset(records(), "blank.jpg", 0.1, 0.1, 7)[0]
