"""Seed data: VisionFLAN precise QAs joined with ALLaVA captions and informative QAs (docs/method.md §1)."""

if config["seed"]["source"] == "hub":

    rule download_seed:
        output:
            visionflan_metadata=seed_files()["visionflan_metadata"],
            allava_caption=seed_files()["allava_caption"],
            allava_instruct=seed_files()["allava_instruct"],
            image_dir=directory(seed_files()["image_dir"]),
        log:
            "logs/seed/download_seed.log",
        conda:
            "../envs/main.yaml"
        params:
            hub=config["seed"]["hub"],
        script:
            "../scripts/download_seed.py"


rule prepare_seed:
    input:
        visionflan_metadata=seed_files()["visionflan_metadata"],
        allava_caption=seed_files()["allava_caption"],
        allava_instruct=seed_files()["allava_instruct"],
        image_dir=seed_files()["image_dir"],
    output:
        seed="results/seed/seed.json",
        stats="results/seed/seed.stats.json",
        converted=directory("results/seed/images_8bit"),
    log:
        "logs/seed/prepare_seed.log",
    benchmark:
        "results/benchmarks/seed/prepare_seed.tsv"
    conda:
        "../envs/main.yaml"
    params:
        on_bad_record=config["on_bad_record"],
        allow_images_outside_dir=config["allow_images_outside_dir"],
    script:
        "../scripts/prepare_seed.py"
