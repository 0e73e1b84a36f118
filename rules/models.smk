"""Tiny models of each family, built locally (the demo's stand-ins for hub checkpoints)."""


rule build_tiny_model:
    input:
        corpus=config["tiny_models"]["corpus"],
    output:
        model=directory(f"{W.TINY_DIR}/{{family}}"),
    log:
        "logs/models/build_tiny_{family}.log",
    benchmark:
        "results/benchmarks/models/build_tiny_{family}.tsv"
    wildcard_constraints:
        family="|".join(FAMILIES),  # every family has a tiny build (tested)
    conda:
        "../envs/main.yaml"
    params:
        random_seed=config["tiny_models"]["seed"],
        vocab_size=config["tiny_models"]["vocab_size"],
    script:
        "../scripts/build_tiny_model.py"


rule warm_up_checker:
    input:
        base=model_path("tiny:llama"),
        seed="results/seed/seed.json",
        template=checker_template(),
    output:
        model=directory("resources/models/tiny-checker"),
        loss="resources/models/tiny-checker.loss.json",
    log:
        "logs/models/warm_up_checker.log",
    benchmark:
        "results/benchmarks/models/warm_up_checker.tsv"
    conda:
        "../envs/main.yaml"
    params:
        max_steps=config["checker"]["warmup"]["max_steps"],
        learning_rate=config["checker"]["warmup"]["learning_rate"],
    script:
        "../scripts/warm_up_checker.py"
