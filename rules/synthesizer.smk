"""The synthesizer: its training set (SPEC §2) and its tuning (SPEC §3)."""


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
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        blank_ratio=config["synthesizer_set"]["blank_ratio"],
        dev_ratio=config["synthesizer_set"]["dev_ratio"],
        seed=config["synthesizer_set"]["seed"],
    script:
        "../scripts/synthesizer_set.py"


rule tune_synthesizer:
    input:
        model=model_input(config["synthesizer"]["base"]),
        train="results/synthesizer/train.json",
    output:
        model=directory("results/synthesizer/checkpoint"),
        loss="results/synthesizer/loss.json",
    log:
        "logs/synthesizer/tune_synthesizer.log",
    benchmark:
        "results/benchmarks/synthesizer/tune_synthesizer.tsv"
    conda:
        "../envs/main.yaml"
    resources:
        mem_mb=16000,
        runtime=24 * 60,
    params:
        base=model_param(model_path(config["synthesizer"]["base"])),
        tuning=config["synthesizer"]["tuning"],
        double_bos=config["synthesizer"]["double_bos"],
        train_instructions=config["synthesizer"]["train_instructions"],
    script:
        "../scripts/tune_synthesizer.py"
