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
        predictions=directory("results/{domain}/predictions/{target}/{variant}"),
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
        engine=engine(
            config["evaluation"]["backend"], config["evaluation"]["max_model_len"]
        ),
        max_new_tokens_cap=config["evaluation"]["max_new_tokens_cap"],
        on_bad_record=config["on_bad_record"],
        chunk_size=config["chunk_size"],
    script:
        "../scripts/predict.py"


rule score_predictions:
    input:
        unpack(provenance_inputs),
        predictions="results/{domain}/predictions/{target}/{variant}",
    output:
        scores=directory("results/{domain}/scores/{target}/{variant}"),
    log:
        "logs/{domain}/score_predictions/{target}/{variant}.log",
    conda:
        "../envs/main.yaml"
    params:
        tasks=lambda wildcards: domain_tasks(wildcards.domain),
        definitions=lambda wildcards: benchmark_definitions(wildcards.domain),
        lineage=lambda wildcards, input: {
            role: [files] if isinstance(files, str) else list(files)
            for role, files in input.items()
            if role != "predictions"
        },
        config=lambda wildcards: provenance_params(wildcards)["config"],
        models=lambda wildcards: provenance_params(wildcards)["models"],
    script:
        "../scripts/score_predictions.py"


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
