"""Post-training of each target model on each recipe's data with LLaMA-Factory (docs/method.md §7)."""


rule posttrain:
    input:
        unpack(posttrain_inputs),
    output:
        checkpoint=directory("results/{domain}/models/{recipe}/{target}"),
        loss="results/{domain}/models/{recipe}/{target}.loss.json",
        loss_png=report(
            "results/{domain}/models/{recipe}/{target}.loss.png",
            caption="../report/loss.rst",
            category="Training loss",
            subcategory="{domain}",
        ),
    log:
        "logs/{domain}/posttrain/{recipe}/{target}.log",
    benchmark:
        "results/benchmarks/{domain}/posttrain/{recipe}/{target}.tsv"
    wildcard_constraints:
        recipe="|".join(TRAIN_RECIPES),
        target="|".join(TARGETS),
    conda:
        "../envs/main.yaml"
    params:
        family=lambda wildcards: target_family(wildcards.target),
        base=model_param(target_hub_id),
        settings=posttrain_settings,
        title=lambda wildcards: (
            f"training loss: {wildcards.domain} · {wildcards.recipe} · {wildcards.target}"
        ),
    script:
        "../scripts/posttrain.py"
