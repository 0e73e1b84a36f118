"""AdaMLLM: seed data → synthesizer → synthesized, filtered tasks → post-trained models → scores → report.

Run the demo with `make demo`; see README.md for paper-scale and HPC runs.
"""

from snakemake.utils import min_version

min_version("9.0")


# The demo is the default run. Given --configfile (a paper config, say), Snakemake reads only the files
# given: no demo value can leak into a paper run (config/README.md, "How configs combine").
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/models.smk"


# The stages that make training data and train; a config with no recipes only evaluates.
if TRAIN_RECIPES:

    include: "rules/seed.smk"
    include: "rules/synthesizer.smk"
    include: "rules/synthesis.smk"
    include: "rules/posttrain_data.smk"
    include: "rules/posttrain.smk"


include: "rules/evaluation.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
