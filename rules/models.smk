"""Tiny models of each family, built locally (the demo's stand-ins for hub checkpoints)."""


rule build_tiny_model:
    input:
        corpus=config["tiny_models"]["corpus"],
    output:
        directory("resources/models/tiny/{family}"),
    log:
        "logs/models/build_tiny_{family}.log",
    benchmark:
        "results/benchmarks/models/build_tiny_{family}.tsv"
    wildcard_constraints:
        family="|".join(FAMILIES),  # every family has a tiny build (tested)
    conda:
        "../envs/main.yaml"
    params:
        seed=config["tiny_models"]["seed"],
        vocab_size=config["tiny_models"]["vocab_size"],
    script:
        "../scripts/build_tiny_model.py"


rule warm_up_tiny_checker:
    input:
        base="resources/models/tiny/llama",
        seed="results/seed/seed.json",
        template=checker_template(),
    output:
        model=directory("resources/models/tiny-checker"),
        loss="resources/models/tiny-checker.loss.json",
    log:
        "logs/models/warm_up_tiny_checker.log",
    benchmark:
        "results/benchmarks/models/warm_up_tiny_checker.tsv"
    conda:
        "../envs/main.yaml"
    params:
        max_steps=config["checker"]["warmup"]["max_steps"],
        learning_rate=config["checker"]["warmup"]["learning_rate"],
    script:
        "../scripts/warm_up_checker.py"
