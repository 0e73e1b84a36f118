"""`adamllm plan`: every training and generation job of a DAG with the exact arguments it will run with,
beside both readings of the method (the paper's Table 10 and what the reference's commands ran), before a
GPU-hour is spent.

Snakemake builds the DAG in this process, from the same command-line arguments (profiles included) a run
would get; each job's arguments are then made by the same functions its stage calls.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from adamllm.models.families import READINGS
from adamllm.training.memory import GIB
from adamllm.workflow.estimates import Estimate, estimate, rates
from adamllm.workflow.readings import own_defaults, reading_args
from adamllm.workflow.targets import model_path


@dataclass
class PlannedJob:
    rule: str
    wildcards: dict
    family: str
    args: dict
    readings: dict  # reading → the values it sets
    reading: str  # the reading the job's settings select
    estimate: Estimate | None = None  # GPU-hours before it runs (adamllm.workflow.estimates)
    memory: dict | None = None  # a post-training job's GPU memory per device by method (posttrain_memory)

    @property
    def own_defaults(self) -> str | None:
        """Where its family values come from when the paper has none for its family."""
        return own_defaults(self.rule, self.family)

    def deviations(self, against: str | None = None) -> dict:
        """Arguments whose value differs from a reading's (default: the one the job selects): name → (ours,
        the reading's)."""
        values = self.readings[against or self.reading]
        ours = self.args
        return {key: (ours.get(key), value) for key, value in values.items() if not _same(ours.get(key), value)}

    def as_json(self) -> dict:
        return {"rule": self.rule, "wildcards": self.wildcards, "family": self.family, "args": self.args,
                "reading": self.reading, "readings": self.readings,
                "estimate": self.estimate.as_json() if self.estimate else None,
                "own_defaults": self.own_defaults, "memory": self.memory}  # fmt: skip


def _same(ours, paper) -> bool:
    if isinstance(ours, bool) or isinstance(paper, bool):
        return ours is paper
    if isinstance(ours, int | float) and isinstance(paper, int | float):
        return math.isclose(ours, paper, rel_tol=1e-9, abs_tol=0.0)
    return ours == paper


class _DagBuilt(BaseException):
    """Stops Snakemake once the DAG is built (a BaseException: Snakemake's own handlers let it through)."""


def dag_jobs(snakemake_args: list[str], directory=".") -> list:
    """The jobs of the DAG Snakemake builds for ``snakemake_args`` (as a dry run with ``--forceall``:
    every job a fresh run would start), with their params and resources evaluated."""
    return dag(snakemake_args, directory)[0]


def dag(snakemake_args: list[str], directory=".") -> tuple[list, dict]:
    """:func:`dag_jobs`, and the config the workflow was built with (validated, defaults filled)."""
    from snakemake.cli import args_to_api, parse_args
    from snakemake.workflow import Workflow

    built: dict = {}
    build = Workflow._build_dag

    def build_and_stop(workflow):
        build(workflow)
        built["jobs"], built["config"] = list(workflow.dag.jobs), workflow.config
        raise _DagBuilt

    Workflow._build_dag = build_and_stop
    try:
        with contextlib.chdir(directory):
            parser, args = parse_args(["--dry-run", "--forceall", "--quiet", "all", *snakemake_args])
            try:
                ok = args_to_api(args, parser)
            except _DagBuilt:
                ok = True
    finally:
        Workflow._build_dag = build
    if not ok or "jobs" not in built:
        raise PlanError("Snakemake could not build the DAG (its message is above)")
    return built["jobs"], built["config"]


class PlanError(Exception):
    pass


def job_gpus(resources: dict) -> int:
    """GPUs a job asks for: ``gpu`` counts the whole job; ``gres`` ('gpu:N' or 'gpu:type:N') counts per
    node; a job without either runs one process."""
    if resources.get("gpu"):
        return int(resources["gpu"])
    match = re.search(r"gpu(?::[^:,]+)?:(\d+)", str(resources.get("gres") or ""))
    if match:
        return int(match.group(1)) * int(resources.get("nodes") or 1)
    return 1


def generation_args(engine: dict, family: str, sampling) -> dict:
    """Engine and sampling settings of a generation job, as the backend that really runs it gets them."""
    from adamllm.generation.backends import Engine, resolve_backend
    from adamllm.generation.backends.base import image_processor_kwargs
    from adamllm.models.families import get_family

    settings = Engine.of(engine)
    name, engine = resolve_backend(settings.backend, family, settings.options)
    args = {"backend": name, "max_model_len": None, **engine}  # transformers has no engine context limit
    args.update(
        temperature=0.0,  # greedy: both backends decode greedily
        max_new_tokens=sampling.max_new_tokens,
        stop=list(sampling.stop),
        skip_special_tokens=sampling.skip_special_tokens,
        **image_processor_kwargs(get_family(family)),
    )
    return args


def _tune_synthesizer(job, params, resources):
    from adamllm.training.tuning import TuningSettings, trainer_arguments

    settings = TuningSettings(**params["tuning"])
    trainer = trainer_arguments(settings)
    args = {"model": params["base"], **trainer, "vision_learning_rate": settings.vision_learning_rate}
    args.update(
        max_length=settings.max_length,
        global_batch_size=settings.per_device_batch_size * settings.gradient_accumulation_steps * job_gpus(resources),
        train_instructions=params["train_instructions"],
        double_bos=params["double_bos"],
    )
    return "llava_next_synthesizer", args


def _synthesis(model_key: str):
    def plan(job, params, resources):
        from adamllm.generation.synthesis import synthesis_sampling

        family = "llava_next_synthesizer"
        sampling = synthesis_sampling(params["max_new_tokens"])
        args = {"model": params[model_key], "double_bos": params["double_bos"]}
        args.update(generation_args(params["engine"], family, sampling))
        return family, args

    return plan


def _consistency_filter(job, params, resources):
    from adamllm.generation.consistency import checker_sampling

    sampling = checker_sampling(params["max_new_tokens"])
    args = {"model": params["model"], "template": str(job.input["template"])}
    return "llama", {**args, **generation_args(params["engine"], "llama", sampling)}


def _posttrain(job, params, resources):
    from adamllm.training.posttrain import (
        PostTrainSettings,
        global_batch_size,
        llamafactory_args,
        vision_learning_rate,
    )

    family, settings = params["family"], PostTrainSettings(**params["settings"])
    info = Path(job.input["info"])
    dataset = next(iter(json.loads(info.read_text()))) if info.exists() else f"(named in {info})"
    out = Path(job.output["checkpoint"])
    args = llamafactory_args(family, params["base"], info.parent, dataset, ".", out.with_name(out.name + ".partial"),
                             settings)  # fmt: skip
    if settings.finetuning_type != "full":
        args["lora_vision"] = settings.lora_vision  # not LLaMA-Factory's: a tower trained whole is ours
    args.update(
        vision_learning_rate=vision_learning_rate(family, settings),
        global_batch_size=global_batch_size(family, settings, job_gpus(resources)),
    )
    return family, args


def posttrain_memory(args: dict, gpus: int, model: str) -> dict:
    """What a post-training job will hold per GPU under each method (adamllm.training.memory), with the counts
    and settings behind it; ``{"model": ...}`` alone while the config.json of ``model`` (the target's own
    checkpoint: a later stage starts from an earlier one's, of its size) is nowhere yet."""
    from adamllm.models.sizes import model_size
    from adamllm.training.deepspeed import zero_stage
    from adamllm.training.memory import METHODS, training_memory

    size = model_size(model)
    if size is None:
        return {"model": model}
    setting = {"gpus": gpus, "zero_stage": zero_stage(args.get("deepspeed")),
               "batch": args["per_device_train_batch_size"], "cutoff": args["cutoff_len"]}  # fmt: skip
    # Whether each method's vision tower trains whole: the job's own choice for its method; for the others, a full
    # job's LoRA keeps the default lora_vision (frozen), and a LoRA job's full fine-tuning trains the tower unless
    # its lora_vision froze it.
    lora_vision = args.get("lora_vision")
    frozen = {"full": args["freeze_vision_tower"] if lora_vision is None else lora_vision == "frozen"}
    frozen["lora"] = frozen["qlora"] = lora_vision != "full"
    methods = {}
    for method in METHODS:
        memory = training_memory(size, method, **setting, freeze_vision_tower=frozen[method])
        methods[method] = {**asdict(memory), "total": memory.total, "freeze_vision_tower": frozen[method]}
    return {"model": model, "parameters": size.total, **setting, "methods": methods}


def _predict(job, params, resources):
    from adamllm.evaluation.predict import answer_limit, evaluation_sampling
    from adamllm.models.families import get_family

    family, tasks, definitions = params["family"], list(params["tasks"]), dict(params["definitions"])
    limits = {task: answer_limit(task, params["max_new_tokens_cap"], definitions) for task in tasks}
    sampling = evaluation_sampling(family, max(limits.values()))
    args = {"model": params["model"], "rows": dict(params["rows_files"])}
    args.update(generation_args(params["engine"], family, sampling))
    args.update(max_new_tokens=limits, system_message=get_family(family).chat.system_message)
    return family, args


PLANNERS: dict[str, Callable] = {
    "tune_synthesizer": _tune_synthesizer,
    "synthesize": _synthesis("model"),
    "synthesizer_effect": _synthesis("base"),
    "consistency_filter": _consistency_filter,
    "posttrain": _posttrain,
    "predict": _predict,
}


def plan(snakemake_args: list[str], directory=".") -> list[PlannedJob]:
    """The training and generation jobs of the DAG, in the order of PLANNERS, then by wildcards. A job
    selects the reading of its post-training settings; jobs the readings agree on select the run's."""
    planned = []
    with contextlib.chdir(directory):
        jobs, config = dag(snakemake_args)
        cost_rates = rates(config.get("cost_rates"))
        for job in jobs:
            if job.rule.name not in PLANNERS:
                continue
            params, resources = dict(job.params.items()), dict(job.resources.items())
            family, args = PLANNERS[job.rule.name](job, params, resources)
            tasks, definitions = params.get("tasks", ()), dict(params.get("definitions", {}))
            readings = {name: reading_args(job.rule.name, name, family, tasks, definitions) for name in READINGS}
            selected = dict(params.get("settings") or {}).get("reading")
            cost = estimate(job, config, job_gpus(resources), cost_rates)
            memory = None
            if job.rule.name == "posttrain":
                target = model_path(config["targets"][job.wildcards_dict["target"]]["model"])
                memory = posttrain_memory(args, job_gpus(resources), target)
            planned.append(PlannedJob(job.rule.name, dict(job.wildcards_dict), family, args, readings, selected, cost,
                                      memory))  # fmt: skip
    chosen = {job.reading for job in planned if job.reading}
    run_reading = chosen.pop() if len(chosen) == 1 else READINGS[0]
    for job in planned:
        job.reading = job.reading or run_reading
    order = list(PLANNERS)
    return sorted(planned, key=lambda j: (order.index(j.rule), _natural(j.wildcards)))


def _show(value) -> str:
    if isinstance(value, dict | list | str) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _natural(wildcards: dict) -> list:
    """Sort key of wildcards in which 'shard 2' comes before 'shard 10'."""
    return [[int(t) if t.isdigit() else t for t in re.split(r"(\d+)", f"{k}={v}")] for k, v in wildcards.items()]


def _other(reading: str) -> str:
    return next(name for name in READINGS if name != reading)


def render(jobs: list[PlannedJob], against: str | None = None) -> str:
    """A readable table: jobs of one rule with the same arguments shown once; every value that differs from
    the reading held against (``against``, default: the one each job selects) marked ≠ with that reading's
    value and the other's beside it; a value only the other reading differs on shown with it (·); last, the
    deviations counted against both readings: for each, among the jobs held against it, and among the
    jobs for which it is the other reading."""
    groups: dict[str, list[PlannedJob]] = {}
    for job in jobs:
        cost = job.estimate.gpu_hours if job.estimate else None
        key = json.dumps([job.rule, job.family, job.args, job.readings, job.reading, cost, job.memory],
                         sort_keys=True, default=str)  # fmt: skip
        groups.setdefault(key, []).append(job)
    lines = []
    differing = {(name, role): set() for name in READINGS for role in ("held against", "the other reading")}
    for members in groups.values():
        first = members[0]
        where = ", ".join(" ".join(f"{k}={v}" for k, v in m.wildcards.items()) for m in members[:4])
        more = f", … ({len(members)} jobs)" if len(members) > 4 else ""
        lines.append(f"{first.rule} [{first.family}] {where}{more}".rstrip())
        reading = against or first.reading
        other = _other(reading)
        deviations, others = first.deviations(reading), first.deviations(other)
        width = max(len(k) for k in first.args)
        for key in [*first.args, *sorted(deviations.keys() - first.args.keys())]:
            value = _show(first.args[key]) if key in first.args else "(not set)"
            if key in deviations:
                theirs = first.readings[other].get(key)
                mark = f"   ≠ {reading}: {_show(deviations[key][1])} · {other}: {_show(theirs)}"
            elif key in others:
                mark = f"   · {other}: {_show(others[key][1])}"
            else:
                mark = ""
            lines.append(f"  {key:<{width}}  {value}{mark}")
        if first.own_defaults:
            lines.append(f"  {first.family}: {first.own_defaults}")
        differing[reading, "held against"] |= {(first.rule, key, first.family) for key in deviations}
        differing[other, "the other reading"] |= {(first.rule, key, first.family) for key in others}
        if first.estimate:
            lines.append(f"  ≈ {_cost(first.estimate)}{' per job' if len(members) > 1 else ''}; {first.estimate.basis}")
        if first.memory:
            lines.append(f"  {_memory(first.memory)}")
        lines.append("")
    lines += _totals(jobs)
    lines.append(f"{len(jobs)} jobs")
    roles = {(against or job.reading, "held against") for job in jobs} | {
        (_other(against or job.reading), "the other reading") for job in jobs
    }
    for name, role in sorted(roles, key=lambda pair: pair[1] != "held against"):
        families: dict[tuple[str, str], list[str]] = {}
        for rule, key, family in sorted(differing[name, role]):
            families.setdefault((rule, key), []).append(family)
        names = "; ".join(f"{rule}.{key} [{', '.join(found)}]" for (rule, key), found in families.items())
        counted = f"{len(families)} settings differ: {names}" if families else "0 deviations"
        lines.append(f"against {name} ({role}): {counted}")
    return "\n".join(lines)


def _count(value: int) -> str:
    return next(f"{value / scale:.3g} {unit}" for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K"), (1, ""))
                if value >= scale or scale == 1).rstrip()  # fmt: skip


def _memory(memory: dict) -> str:
    """A post-training job's memory estimate as one line (docs/method.md §7, "Memory")."""
    if "methods" not in memory:
        return (f"memory per GPU: not estimated until {memory['model']}'s config.json is here (a tiny model once "
                "built, a hub model once in the Hugging Face cache)")  # fmt: skip
    methods = memory["methods"]
    gib = " · ".join(f"{m['total'] / GIB:.3g}" for m in methods.values())
    trainable = " · ".join(_count(m["trainable"]) for m in methods.values())
    return (
        f"memory per GPU (estimate; {' · '.join(methods)}): {gib} GiB on {memory['gpus']} GPU(s), ZeRO-"
        f"{memory['zero_stage']}, {memory['batch']} × {memory['cutoff']} tokens; trainable {trainable} of "
        f"{_count(memory['parameters'])} parameters"
    )


def _hours(value: float) -> str:
    return f"{value:,.1f}" if value >= 0.1 else f"{value:.2g}"


def _cost(cost: Estimate) -> str:
    """An estimate as GPU-hours and the wall time on the job's GPUs."""
    if cost.gpu_hours is None:
        return "GPU-hours: not estimated"
    gpus = f"{cost.gpus} GPU{'s' if cost.gpus > 1 else ''}"
    return f"{_hours(cost.gpu_hours)} GPU-hours (estimate), {_hours(cost.wall_hours)} h wall on {gpus}"


def _totals(jobs: list[PlannedJob]) -> list[str]:
    """Estimated GPU-hours per rule and in all, before anything runs."""
    by_rule: dict[str, list[Estimate]] = {}
    for job in jobs:
        if job.estimate:
            by_rule.setdefault(job.rule, []).append(job.estimate)
    if not by_rule:
        return []
    lines = ["Estimated GPU-hours before the run (the paper's rates, adamllm/templates/cost_rates.yaml; correct "
             "them under cost_rates):"]  # fmt: skip
    total, missing = 0.0, 0
    for rule, costs in by_rule.items():
        known = [cost.gpu_hours for cost in costs if cost.gpu_hours is not None]
        missing += len(costs) - len(known)
        total += sum(known)
        unknown = f", {len(costs) - len(known)} not estimated" if len(known) < len(costs) else ""
        lines.append(f"  {rule:<20} {_hours(sum(known)):>10} GPU-hours over {len(costs)} job(s){unknown}")
    lines.append(
        f"  {'total':<20} {_hours(total):>10} GPU-hours" + (f" ({missing} job(s) not estimated)" if missing else "")
    )
    lines.append("")
    return lines


def main(snakemake_args: list[str], as_json: bool, strict: bool, directory=".", against: str | None = None) -> int:
    """Print the plan; exit status 1 with ``strict`` when any value differs from the reading held against
    (``against``, default: the one each job selects)."""
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # Snakemake's own chatter
        jobs = plan(snakemake_args, directory)
    if as_json:
        for job in jobs:
            print(json.dumps(job.as_json(), ensure_ascii=False, default=str))
    else:
        print(render(jobs, against))
    return 1 if strict and any(job.deviations(against) for job in jobs) else 0
