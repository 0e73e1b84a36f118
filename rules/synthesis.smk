"""Task synthesis per shard, parsing and pairing, consistency filter, merge (docs/method.md §4-5)."""

if HUB_DOMAINS:

    rule download_domain:
        output:
            pairs="resources/domains/{domain}/pairs.json",
            image_dir=directory("resources/domains/{domain}/images"),
        log:
            "logs/{domain}/download_domain.log",
        wildcard_constraints:
            domain="|".join(HUB_DOMAINS),
        conda:
            "../envs/main.yaml"
        params:
            hub=lambda wildcards: config["domains"][wildcards.domain]["hub"],
        script:
            "../scripts/download_domain.py"


rule shard_pairs:
    input:
        pairs=domain_pairs,
        image_dir=domain_images,
        model=model_files(W.synthesizer_spec(config)),
    output:
        shards=scatter.shard("results/{{domain}}/shards/{scatteritem}.jsonl"),
        stats="results/{domain}/pairs.stats.json",
        converted=directory("results/{domain}/images_8bit"),
    log:
        "logs/{domain}/shard_pairs.log",
    conda:
        "../envs/main.yaml"
    params:
        on_bad_record=config["on_bad_record"],
        allow_images_outside_dir=config["allow_images_outside_dir"],
        synthesizer=model_param(model_path(W.synthesizer_spec(config))),
        max_model_len=config["synthesis"]["max_model_len"],
        double_bos=config["synthesizer"]["double_bos"],
    script:
        "../scripts/shard_pairs.py"


rule synthesize:
    input:
        shard="results/{domain}/shards/{scatteritem}.jsonl",
        model=synthesizer_input(),
    output:
        synthesized="results/{domain}/synthesized/{scatteritem}.jsonl",
    log:
        "logs/{domain}/synthesize/{scatteritem}.log",
    benchmark:
        "results/benchmarks/{domain}/synthesize/{scatteritem}.tsv"
    conda:
        backend_env(config["synthesis"]["backend"])
    params:
        model=model_param(synthesizer_model()),
        engine=engine(
            config["synthesis"]["backend"], config["synthesis"]["max_model_len"]
        ),
        max_new_tokens=config["synthesis"]["max_new_tokens"],
        double_bos=config["synthesizer"]["double_bos"],
        on_bad_record=config["on_bad_record"],
        chunk_size=config["chunk_size"],
    script:
        "../scripts/synthesize.py"


rule parse_and_pair:
    input:
        synthesized="results/{domain}/synthesized/{scatteritem}.jsonl",
    output:
        triplets="results/{domain}/triplets/{scatteritem}.jsonl",
        stats="results/{domain}/triplets/{scatteritem}.stats.json",
    log:
        "logs/{domain}/parse_and_pair/{scatteritem}.log",
    conda:
        "../envs/main.yaml"
    script:
        "../scripts/parse_and_pair.py"


rule consistency_filter:
    input:
        triplets="results/{domain}/triplets/{scatteritem}.jsonl",
        model=checker_input(),
        template=checker_template(),
    output:
        judged="results/{domain}/judged/{scatteritem}.jsonl",
        stats="results/{domain}/judged/{scatteritem}.stats.json",
    log:
        "logs/{domain}/consistency_filter/{scatteritem}.log",
    benchmark:
        "results/benchmarks/{domain}/consistency_filter/{scatteritem}.tsv"
    conda:
        backend_env(config["synthesis"]["backend"])
    params:
        model=model_param(checker_model()),
        engine=engine(
            config["synthesis"]["backend"], config["checker"]["max_model_len"]
        ),
        max_new_tokens=config["checker"]["max_new_tokens"],
        chunk_size=config["chunk_size"],
    script:
        "../scripts/consistency_filter.py"


rule merge_tasks:
    input:
        judged=gather.shard("results/{{domain}}/judged/{scatteritem}.jsonl"),
        shard_stats=gather.shard("results/{{domain}}/judged/{scatteritem}.stats.json"),
        pairs="results/{domain}/pairs.stats.json",
        parsed=gather.shard("results/{{domain}}/triplets/{scatteritem}.stats.json"),
    output:
        tasks="results/{domain}/tasks.jsonl",
        stats="results/{domain}/tasks.stats.json",
    log:
        "logs/{domain}/merge_tasks.log",
    conda:
        "../envs/main.yaml"
    script:
        "../scripts/merge_tasks.py"
