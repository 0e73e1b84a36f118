"""Post-training data per recipe in LLaMA-Factory format, and the per-domain item counts (docs/method.md §6)."""


rule posttrain_data:
    input:
        unpack(posttrain_data_input),
    output:
        data="results/{domain}/posttrain_data/{recipe}/data.json",
        info="results/{domain}/posttrain_data/{recipe}/dataset_info.json",
    log:
        "logs/{domain}/posttrain_data/{recipe}.log",
    wildcard_constraints:
        recipe="|".join(DATA_RECIPES),
    conda:
        "../envs/main.yaml"
    params:
        dataset_name=lambda wildcards: f"adamllm_{wildcards.domain}_{wildcards.recipe}",
        random_seed=config["posttrain_data"]["seed"],
        keep_caption_without_task=config["posttrain_data"]["keep_caption_without_task"],
        trained_by=lambda wildcards: W.trained_by(config, wildcards.recipe),
    script:
        "../scripts/posttrain_data.py"


rule data_summary:
    input:
        pairs="results/{domain}/pairs.stats.json",
        parsed=gather.shard("results/{{domain}}/triplets/{scatteritem}.stats.json"),
        judged="results/{domain}/tasks.stats.json",
        posttrain=expand(
            "results/{{domain}}/posttrain_data/{recipe}/data.json", recipe=DATA_RECIPES
        ),
    output:
        summary="results/{domain}/stats.json",
    log:
        "logs/{domain}/data_summary.log",
    conda:
        "../envs/main.yaml"
    script:
        "../scripts/data_summary.py"
