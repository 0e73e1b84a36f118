"""The workflow and its tooling: the stages the Snakemake rules run (``stages``, called through ``smk``), what a
config asks the DAG to build (``targets``), config checks (``config_check``), the two training readings
(``readings``), the plan with its cost estimates (``plan``, ``estimates``), status (``status``) and audit
(``audit``).

May import: every phase (``core``, ``models``, ``data``, ``generation``, ``training``, ``evaluation``).
"""
