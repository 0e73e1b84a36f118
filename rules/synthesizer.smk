"""The synthesizer: its training set (docs/method.md §2) and its tuning (docs/method.md §3)."""


rule synthesizer_set:
    input:
        seed="results/seed/seed.json",
        blank_image=config["synthesizer_set"]["blank_image"],
    output:
        train="results/synthesizer/train.json",
        dev="results/synthesizer/dev.json",
        stats="results/synthesizer/set.stats.json",
    log:
        "logs/synthesizer/synthesizer_set.log",
    conda:
        "../envs/main.yaml"
    params:
        blank_ratio=config["synthesizer_set"]["blank_ratio"],
        dev_ratio=config["synthesizer_set"]["dev_ratio"],
        random_seed=config["synthesizer_set"]["seed"],
    script:
        "../scripts/synthesizer_set.py"


rule tune_synthesizer:
    input:
        model=model_files(config["synthesizer"]["base"]),
        train="results/synthesizer/train.json",
    output:
        checkpoint=directory("results/synthesizer/checkpoint"),
        loss="results/synthesizer/loss.json",
        loss_png="results/synthesizer/loss.png",
    log:
        "logs/synthesizer/tune_synthesizer.log",
    benchmark:
        "results/benchmarks/synthesizer/tune_synthesizer.tsv"
    conda:
        "../envs/main.yaml"
    params:
        base=model_param(model_path(config["synthesizer"]["base"])),
        tuning=config["synthesizer"]["tuning"],
        double_bos=config["synthesizer"]["double_bos"],
        train_instructions=config["synthesizer"]["train_instructions"],
    script:
        "../scripts/tune_synthesizer.py"


rule synthesizer_effect:
    input:
        shards=gather.shard("results/{{domain}}/shards/{scatteritem}.jsonl"),
        tuned=gather.shard("results/{{domain}}/synthesized/{scatteritem}.jsonl"),
        model=model_files(config["synthesizer"]["base"]),
    output:
        effect="results/{domain}/synthesizer_effect.json",
    log:
        "logs/{domain}/synthesizer_effect.log",
    benchmark:
        "results/benchmarks/{domain}/synthesizer_effect.tsv"
    conda:
        backend_env(config["synthesis"]["backend"])
    params:
        base=model_param(model_path(config["synthesizer"]["base"])),
        max_pairs=config["synthesizer"]["untuned_check_pairs"],
        engine=engine(
            config["synthesis"]["backend"], config["synthesis"]["max_model_len"]
        ),
        max_new_tokens=config["synthesis"]["max_new_tokens"],
        double_bos=config["synthesizer"]["double_bos"],
        chunk_size=config["chunk_size"],
    script:
        "../scripts/synthesizer_effect.py"
