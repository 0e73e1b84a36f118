"""Evaluation: predictions and scores of every base and post-trained model, and the report (docs/method.md §8)."""

if config["evaluation"]["source"] == "hub":

    rule fetch_benchmark:
        output:
            rows="resources/benchmarks/{domain}/{task}.jsonl",
            images=directory("resources/benchmarks/{domain}/{task}_images"),
        log:
            "logs/{domain}/fetch_benchmark/{task}.log",
        wildcard_constraints:
            task="|".join(re.escape(t) for t in BENCHMARK_NAMES),
        conda:
            "../envs/main.yaml"
        params:
            revision=lambda wildcards: config["evaluation"]["revisions"].get(
                wildcards.domain, "main"
            ),
            definitions=lambda wildcards: benchmark_definitions(wildcards.domain),
        script:
            "../scripts/fetch_benchmark.py"


rule predict:
    input:
        unpack(eval_inputs),
    output:
        directory("results/{domain}/predictions/{target}/{variant}"),
    log:
        "logs/{domain}/predict/{target}/{variant}.log",
    benchmark:
        "results/benchmarks/{domain}/predict/{target}/{variant}.tsv"
    wildcard_constraints:
        variant="|".join([*GIVEN_VARIANTS, *TRAIN_RECIPES]),
        target="|".join(TARGETS),
    conda:
        backend_env(config["evaluation"]["backend"])
    params:
        model=model_param(lambda wildcards: model_path(given_model(wildcards))),
        family=lambda wildcards: target_family(wildcards.target),
        tasks=lambda wildcards: domain_tasks(wildcards.domain),
        rows_files=lambda wildcards: benchmark_rows(wildcards.domain),
        definitions=lambda wildcards: benchmark_definitions(wildcards.domain),
        backend=config["evaluation"]["backend"],
        backend_options=backend_params(
            config["evaluation"]["backend"], config["evaluation"]["max_model_len"]
        )["options"],
        python=backend_params(
            config["evaluation"]["backend"], config["evaluation"]["max_model_len"]
        )["python"],
        max_new_tokens_cap=config["evaluation"]["max_new_tokens_cap"],
        on_bad_record=config["on_bad_record"],
        chunk_size=config["chunk_size"],
    script:
        "../scripts/predict.py"


rule score:
    input:
        unpack(provenance_inputs),
        predictions="results/{domain}/predictions/{target}/{variant}",
    output:
        directory("results/{domain}/scores/{target}/{variant}"),
    log:
        "logs/{domain}/score/{target}/{variant}.log",
    conda:
        "../envs/main.yaml"
    params:
        tasks=lambda wildcards: domain_tasks(wildcards.domain),
        definitions=lambda wildcards: benchmark_definitions(wildcards.domain),
        provenance=provenance_params,
    script:
        "../scripts/score.py"


rule report:
    input:
        unpack(report_inputs),
    output:
        csv="results/report/{domain}_scores.csv",
        markdown="results/report/{domain}_scores.md",
        overview=report(
            "results/report/{domain}_overview.html",
            caption="../report/table.rst",
            category="Scores",
            subcategory="{domain}",
        ),
        radar=report(
            "results/report/{domain}_radar.png",
            caption="../report/radar.rst",
            category="Scores",
            subcategory="{domain}",
        ),
    log:
        "logs/report/{domain}.log",
    conda:
        "../envs/main.yaml"
    params:
        models=lambda wildcards: evaluated_models(wildcards.domain),
        columns=lambda wildcards: report_columns(wildcards.domain),
    script:
        "../scripts/report.py"
