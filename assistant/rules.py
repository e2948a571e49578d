"""The deterministic rules core: a stage and answers in, a Recommendation out.

The matching rules (issue 2, CONTRACTS.md):
1. ``input_text_only`` = yes keeps columns whose inputs are text only; ``output_text_only`` = yes keeps
   columns whose output is text; no or unknown restrict nothing.
2. Restricted models are never recommended; API models only when ``data_sharing`` = yes and
   ``deploy_local`` = no; open models always.
3. A full match was used (or reported best) in at least one allowed column of every selected task; a
   star means reported best in at least one allowed column of every selected task.
4. Never a dead end: without a full match, partial matches are ranked by how many selected tasks they
   cover, and ``excluded`` names the constraint that removed strong candidates.
5. Resources per phase for the deployment choice, a memory estimate where inference data is missing.
6. Every recommendation carries the trace of the rules that fired and the catalog version.
7. What it takes to run each model (``to_run``): sized by ``assistant.sizing`` for the user's situation
   (GPUs, users, context, workload), or for one user at 4,096 tokens on the reference GPU type; encoders
   are marked as unable to write text when a selected task writes text (they stay in the list).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.catalog import Catalog, Column, Model
from assistant.newer_models import NewerModel, newer_models_for
from assistant.questionnaire import (
    DEPLOY_LOCAL,
    IMAGE_PROCESSING,
    columns_for,
    parse_stage,
    stage_info,
    task_scopes,
    validate_answers,
)
from assistant.recommendation import (
    Exclusion,
    ModelResult,
    Recommendation,
    Resources,
    TaskEvidence,
    TraceLine,
)
from assistant.resources import model_resources
from assistant.situation import Situation
from assistant.sizing import Prices, ToRun
from assistant.to_run import RunSettings, generative_tasks, to_run

EXCLUDED_PER_REASON = 5
PARTIAL_LIMIT = 10


@dataclass(frozen=True)
class _Index:
    """Per-catalog lookups built once: which models use each column, and resources per deployment."""

    catalog: Catalog
    used_by_column: Mapping[str, frozenset[int]]
    best_by_column: Mapping[str, frozenset[int]]
    resources: dict[tuple[int, bool | None], Resources] = field(default_factory=dict)
    runs: dict[tuple[int, RunSettings], ToRun | None] = field(default_factory=dict)
    newer: dict[tuple[RunSettings, bool | None], tuple[NewerModel, ...]] = field(default_factory=dict)
    prices: Prices | None = None

    def model_resources(self, position: int, deploy_local: bool | None) -> Resources:
        """Resources of the model at ``position``, computed once per deployment answer."""
        key = (position, deploy_local)
        if key not in self.resources:
            self.resources[key] = model_resources(self.catalog, self.catalog.models[position], deploy_local)
        return self.resources[key]

    def to_run(self, position: int, settings: RunSettings) -> ToRun | None:
        """What running the model at ``position`` takes, computed once per situation (None: not sizable)."""
        key = (position, settings)
        if key not in self.runs:
            facts = self.catalog.sizing_facts
            model = self.catalog.models[position]
            arch = facts.model(model.id) if facts is not None and model.access != "API" else None
            if arch is None or facts is None or self.prices is None:
                self.runs[key] = None
            else:
                self.runs[key] = to_run(arch, settings, facts, self.prices)
        return self.runs[key]

    def newer_models(self, settings: RunSettings, answers: Mapping[str, bool | None]) -> tuple[NewerModel, ...]:
        """Newer open-weight models for the situation and the input modality, computed once per pair."""
        key = (settings, answers.get("input_text_only"))
        if key not in self.newer:
            facts = self.catalog.sizing_facts
            if facts is None or self.prices is None:
                self.newer[key] = ()
            else:
                self.newer[key] = newer_models_for(facts, {"input_text_only": key[1]}, settings, self.prices)
        return self.newer[key]

    def model_type(self, position: int) -> str | None:
        """The model's type (decoder, encoder, ...) from the facts, None when unknown."""
        return architecture_type(self.catalog, self.catalog.models[position])


def architecture_type(catalog: Catalog, model: Model) -> str | None:
    """The model's type from the facts; for a row without a size ("BERT"), the type every sized row of that
    name shares (a family keeps its architecture across sizes); None when unknown or mixed."""
    facts = catalog.sizing_facts
    if facts is None:
        return None
    arch = facts.model(model.id)
    if arch is not None:
        return arch.type
    if model.size:
        return None
    types = {a.type for m in catalog.find_models(model.name) if m.size and (a := facts.model(m.id)) is not None}
    return types.pop() if len(types) == 1 else None


@lru_cache(maxsize=8)
def _index(catalog: Catalog) -> _Index:
    used: dict[str, set[int]] = {c.id: set() for c in catalog.columns}
    best: dict[str, set[int]] = {c.id: set() for c in catalog.columns}
    for position, model in enumerate(catalog.models):
        for column_id, usage in model.usage.items():
            if usage.used or usage.best:
                used[column_id].add(position)
            if usage.best:
                best[column_id].add(position)
    return _Index(
        catalog=catalog,
        used_by_column={k: frozenset(v) for k, v in used.items()},
        best_by_column={k: frozenset(v) for k, v in best.items()},
        prices=Prices.from_catalog(catalog),
    )


def column_allowed(column: Column, answers: Mapping[str, bool | None]) -> bool:
    """Rule 1: whether the modality answers keep this column."""
    if answers.get("input_text_only") is True and not column.text_input_only:
        return False
    return not (answers.get("output_text_only") is True and not column.text_output_only)


def access_block(model: Model, answers: Mapping[str, bool | None]) -> str | None:
    """Rule 2: why the model's access rules it out for these answers, or None when it may be used."""
    if model.access == "Restricted":
        return "restricted"
    if model.access == "API":
        if answers.get("data_sharing") is not True:
            return "needs_data_sharing"
        if answers.get(DEPLOY_LOCAL) is not False:
            return "needs_cloud"
    return None


@dataclass(frozen=True)
class _Matching:
    """Which models cover which selected tasks under one set of answers."""

    selected: tuple[str, ...]
    allowed: Mapping[str, tuple[Column, ...]]
    covering: Mapping[str, frozenset[int]]
    best: Mapping[str, frozenset[int]]

    def full(self) -> frozenset[int]:
        """Models that cover every selected task (ignoring access)."""
        if not self.selected:
            return frozenset()
        return frozenset.intersection(*(self.covering[t] for t in self.selected))

    def starred(self) -> frozenset[int]:
        """Models reported best in every selected task."""
        if not self.selected:
            return frozenset()
        return frozenset.intersection(*(self.best[t] for t in self.selected))

    def covered_tasks(self, position: int) -> tuple[str, ...]:
        """The selected tasks this model covers, in asking order."""
        return tuple(t for t in self.selected if position in self.covering[t])


def _match(index: _Index, stage: str, answers: Mapping[str, bool | None]) -> _Matching:
    catalog = index.catalog
    allowed: dict[str, tuple[Column, ...]] = {}
    covering: dict[str, frozenset[int]] = {}
    best: dict[str, frozenset[int]] = {}
    for scope in task_scopes(stage):
        cols = tuple(c for c in columns_for(catalog, stage, scope.question_id) if column_allowed(c, answers))
        allowed[scope.question_id] = cols
        covering[scope.question_id] = frozenset().union(*(index.used_by_column[c.id] for c in cols))
        best[scope.question_id] = frozenset().union(*(index.best_by_column[c.id] for c in cols))
    selected = tuple(t for t in allowed if answers.get(t) is True)
    return _Matching(selected, allowed, covering, best)


def _usable(index: _Index, positions: Iterable[int], answers: Mapping[str, bool | None]) -> list[int]:
    return [p for p in positions if access_block(index.catalog.models[p], answers) is None]


def _rank_key(model: Model, star: bool, studies: int, best: int) -> tuple[object, ...]:
    params = model.params_b if model.params_b is not None else math.inf
    return (not star, -studies, -best, model.name.casefold(), params, model.row)


def _evidence(model: Model, matching: _Matching, tasks: Iterable[str]) -> dict[str, TaskEvidence]:
    out = {}
    for task in tasks:
        studies = best = 0
        for column in matching.allowed[task]:
            usage = model.usage.get(column.id)
            if usage:
                studies += usage.studies
                best += usage.best
        out[task] = TaskEvidence(studies=studies, best=best)
    return out


def _result(
    index: _Index,
    position: int,
    matching: _Matching,
    answers: Mapping[str, bool | None],
    settings: RunSettings,
    *,
    partial: bool = False,
) -> ModelResult:
    model = index.catalog.models[position]
    covers = matching.covered_tasks(position)
    return ModelResult(
        id=model.id,
        row=model.row,
        name=model.name,
        size=model.size,
        params_b=model.params_b,
        access=model.access,
        star=position in matching.starred(),
        by_task=_evidence(model, matching, matching.selected),
        links=tuple((link.label, link.url) for link in model.links),
        resources=index.model_resources(position, answers.get(DEPLOY_LOCAL)),
        covers=covers if partial else (),
        lacks=tuple(t for t in matching.selected if t not in covers) if partial else (),
        model_type=index.model_type(position),
        to_run=index.to_run(position, settings),
    )


def _ranked(results: Iterable[ModelResult], index: _Index, *, by_coverage: bool = False) -> list[ModelResult]:
    models = index.catalog.models

    def key(r: ModelResult) -> tuple[object, ...]:
        base = _rank_key(models[r.row - 1], r.star, r.studies, r.best)
        return (-len(r.covers), *base) if by_coverage else base

    return sorted(results, key=key)


def _excluded(
    index: _Index,
    stage: str,
    matching: _Matching,
    answers: Mapping[str, bool | None],
) -> tuple[list[Exclusion], list[TraceLine]]:
    """Strong candidates (full matches once one constraint is lifted) and the constraint that removed them."""
    models = index.catalog.models
    starred = matching.starred()
    by_reason: dict[str, list[int]] = {}
    for position in matching.full():
        reason = access_block(models[position], answers)
        if reason:
            by_reason.setdefault(reason, []).append(position)
    if answers.get("input_text_only") is True or answers.get("output_text_only") is True:
        relaxed_answers = {**answers, "input_text_only": None, "output_text_only": None}
        relaxed = _match(index, stage, relaxed_answers)
        gained = set(_usable(index, relaxed.full(), answers)) - matching.full()
        if gained:
            by_reason["modality"] = sorted(gained)
            starred = starred | relaxed.starred()
    exclusions: list[Exclusion] = []
    trace: list[TraceLine] = []
    for reason in ("restricted", "needs_data_sharing", "needs_cloud", "modality"):
        positions = by_reason.get(reason, [])
        if not positions:
            continue
        ranked = sorted(
            positions,
            key=lambda p: _rank_key(models[p], p in starred, *_totals(models[p], matching)),
        )
        for p in ranked[:EXCLUDED_PER_REASON]:
            m = models[p]
            exclusions.append(Exclusion(m.id, m.name, m.size, reason, _exclusion_detail(reason, p in starred, answers)))
        more = len(ranked) - EXCLUDED_PER_REASON
        trace.append(
            TraceLine(
                f"excluded:{reason}",
                f"{len(ranked)} model(s) would cover every selected task but for this constraint"
                + (f"; the strongest {EXCLUDED_PER_REASON} are listed" if more > 0 else ""),
            )
        )
    return exclusions, trace


def _totals(model: Model, matching: _Matching) -> tuple[int, int]:
    ev = _evidence(model, matching, matching.selected)
    return sum(e.studies for e in ev.values()), sum(e.best for e in ev.values())


def _exclusion_detail(reason: str, star: bool, answers: Mapping[str, bool | None]) -> str:
    strength = "is reported best in every selected task" if star else "covers every selected task"
    if reason == "restricted":
        return f"{strength}, but its weights were never released, so it cannot be deployed"
    if reason == "needs_data_sharing":
        extra = " and cloud use" if answers.get(DEPLOY_LOCAL) is not False else ""
        state = "no" if answers.get("data_sharing") is False else "not answered yet"
        api = "it is only offered as an online API"
        return f"{strength}, but {api}, which needs data sharing{extra} (data sharing: {state})"
    if reason == "needs_cloud":
        state = "local preferred" if answers.get(DEPLOY_LOCAL) is True else "not answered yet"
        return f"{strength}, but it is only offered as an online API, which needs cloud use (deployment: {state})"
    return f"{strength} only when the input or output is not limited to text"


def _missing(
    index: _Index,
    stage: str,
    answers: Mapping[str, bool | None],
    matching: _Matching,
) -> tuple[str, ...]:
    """Unknown questions, in asking order, whose answer could change the result."""
    unknown = [q for q, v in answers.items() if v is None]
    if not unknown:
        return ()
    baseline = _outcome_signature(index, stage, answers)
    missing = []
    for qid in unknown:
        if qid in matching.allowed:  # a task question
            if not matching.allowed[qid]:
                continue  # every column of the task is excluded by the modality answers
            if qid == IMAGE_PROCESSING and answers.get("input_text_only") is True:
                continue
            missing.append(qid)
        elif qid == DEPLOY_LOCAL:
            if not matching.selected:
                missing.append(qid)
                continue
            # Matching does not depend on deployment; only access does.
            in_cloud = {**answers, DEPLOY_LOCAL: False}
            if _usable(index, _any_task(matching), in_cloud):
                missing.append(qid)
        elif not matching.selected:
            missing.append(qid)
        else:
            trial = {**answers, qid: True}
            if qid == "data_sharing" and trial.get(DEPLOY_LOCAL) is None:
                trial[DEPLOY_LOCAL] = False
            if _outcome_signature(index, stage, trial) != baseline:
                missing.append(qid)
    return tuple(missing)


def _outcome_signature(index: _Index, stage: str, answers: Mapping[str, bool | None]) -> tuple[object, ...]:
    matching = _match(index, stage, answers)
    full = frozenset(_usable(index, matching.full(), answers))
    if full:
        return ("full", full)
    return ("partial", frozenset(_usable(index, _any_task(matching), answers)))


def _any_task(matching: _Matching) -> frozenset[int]:
    """Models that cover at least one selected task."""
    return frozenset().union(*(matching.covering[t] for t in matching.selected))


def recommend(
    catalog: Catalog, stage: str, answers: Mapping[str, object], *, situation: Situation | None = None
) -> Recommendation:
    """The recommendation for a stage and answers (question id -> yes/no/unknown); pure and deterministic.

    ``situation`` (the user's GPUs, users, context, workload) sizes each model's ``to_run``; without it,
    one user at 4,096 tokens on the reference GPU type.
    """
    stage_id = parse_stage(stage)
    given = validate_answers(stage_id, answers)
    settings = RunSettings.from_situation(situation)
    index = _index(catalog)
    matching = _match(index, stage_id, given)
    trace = _opening_trace(catalog, stage_id, given, matching)

    if not matching.selected:
        trace.append(TraceLine("status", "no task is answered yes yet: more information is needed"))
        return Recommendation(
            catalog_version=catalog.version,
            stage=stage_id,
            status="need_more_info",
            answers=given,
            missing=_missing(index, stage_id, given, matching),
            matches=(),
            partial_matches=(),
            excluded=(),
            trace=tuple(trace),
        )

    trace.extend(_access_trace(given))
    full = _usable(index, matching.full(), given)
    matches = _ranked((_result(index, p, matching, given, settings) for p in full), index)
    partial: list[ModelResult] = []
    if matches:
        status = "recommended"
        stars = sum(m.star for m in matches)
        trace.append(TraceLine("full_match", f"{len(matches)} model(s) cover every selected task"))
        trace.append(TraceLine("star", f"{stars} of them are reported best in every selected task"))
    else:
        status = "no_full_match"
        usable = _usable(index, _any_task(matching), given)
        candidates = [_result(index, p, matching, given, settings, partial=True) for p in usable]
        partial = _ranked(candidates, index, by_coverage=True)
        trace.append(
            TraceLine(
                "partial_match",
                f"no usable model covers every selected task; {len(partial)} cover some of them, ranked by "
                f"how many they cover"
                + (f" (the first {PARTIAL_LIMIT} listed)" if len(partial) > PARTIAL_LIMIT else ""),
            )
        )
        partial = partial[:PARTIAL_LIMIT]
    trace.append(TraceLine("ranking", "star first, then studies, best reports, name, size, catalog row"))
    trace.append(
        TraceLine(
            "evidence",
            "studies = uses in the allowed columns of the selected tasks; a study that appears in two "
            "columns counts twice",
        )
    )
    excluded, excluded_trace = _excluded(index, stage_id, matching, given)
    trace.extend(excluded_trace)
    trace.extend(_resource_trace(given, [*matches, *partial]))
    trace.extend(_sizing_trace(matching.selected, [*matches, *partial], settings))
    newer = index.newer_models(settings, given)
    if newer:
        trace.append(
            TraceLine(
                "newer_models",
                f"{len(newer)} newer open-weight model(s) listed apart: outside the review's evidence, not ranked",
            )
        )
    return Recommendation(
        catalog_version=catalog.version,
        stage=stage_id,
        status=status,
        answers=given,
        missing=_missing(index, stage_id, given, matching),
        matches=tuple(matches),
        partial_matches=tuple(partial),
        excluded=tuple(excluded),
        trace=tuple(trace),
        newer_models=newer,
    )


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _opening_trace(
    catalog: Catalog, stage: str, answers: Mapping[str, bool | None], matching: _Matching
) -> list[TraceLine]:
    stage_cols = [c for c in catalog.columns if c.stage == stage]
    kept = [c for c in stage_cols if column_allowed(c, answers)]
    trace = [
        TraceLine(
            "catalog", f"catalog {catalog.version} ({catalog.date}), source commit {catalog.source.get('commit', '?')}"
        ),
        TraceLine("stage", f"stage {stage}: {stage_info(stage).title}"),
        TraceLine(
            "modality",
            f"input text-only: {_yes_no(answers.get('input_text_only'))}, output text-only: "
            f"{_yes_no(answers.get('output_text_only'))}; {len(kept)} of {len(stage_cols)} sub-task columns of "
            f"stage {stage} kept",
        ),
    ]
    for task, cols in matching.allowed.items():
        trace.append(TraceLine("task", f"{task} = {_yes_no(answers.get(task))}: {len(cols)} allowed column(s)"))
    return trace


def _access_trace(answers: Mapping[str, bool | None]) -> list[TraceLine]:
    lines = [TraceLine("access", "restricted models (weights never released) are never recommended")]
    if answers.get("data_sharing") is True and answers.get(DEPLOY_LOCAL) is False:
        lines.append(TraceLine("access", "API models allowed: data may be shared and cloud use is accepted"))
    else:
        lines.append(
            TraceLine(
                "access",
                f"API models left out: data sharing = {_yes_no(answers.get('data_sharing'))}, local deployment "
                f"= {_yes_no(answers.get(DEPLOY_LOCAL))} (they need sharing = yes and local = no)",
            )
        )
    lines.append(TraceLine("access", "open models are always allowed"))
    return lines


def _resource_trace(answers: Mapping[str, bool | None], results: list[ModelResult]) -> list[TraceLine]:
    deploy = answers.get(DEPLOY_LOCAL)
    shown = {True: "purchase price and power", False: "cloud rental price", None: "purchase and rental prices"}[deploy]
    lines = [TraceLine("resources", f"deploy locally = {_yes_no(deploy)}: {shown} shown per phase")]
    estimated = [r.label for r in results if r.resources.estimate is not None]
    unsized = [r.label for r in results if r.resources.phases.get("inference") is None and r.resources.estimate is None]
    if estimated:
        lines.append(
            TraceLine("estimate", "no inference data; memory estimated from the size for: " + ", ".join(estimated))
        )
    if unsized:
        lines.append(
            TraceLine("estimate", "no inference data and no size, so no memory estimate for: " + ", ".join(unsized))
        )
    return lines


def _sizing_trace(selected: tuple[str, ...], results: list[ModelResult], settings: RunSettings) -> list[TraceLine]:
    lines = []
    sized = [r for r in results if r.to_run is not None]
    if sized:
        gpu = sized[0].to_run.fp16.gpu if sized[0].to_run else None
        where = f"{settings.users} concurrent user(s) at {settings.context:,} tokens"
        on = gpu.name if gpu else "no GPU type"
        if settings.gpus_available and not (sized[0].to_run and sized[0].to_run.reference_gpu):
            on = f"{settings.gpus_available} x {on} (the user's)"
        elif sized[0].to_run and sized[0].to_run.reference_gpu:
            on += " (reference type: the user named none)"
        lines.append(TraceLine("to_run", f"memory to run sized for {where} on {on}, at 16 and 4 bits"))
    writing = generative_tasks(selected)
    encoders = [r.label for r in results if r.can_generate_text is False]
    if writing and encoders:
        lines.append(
            TraceLine(
                "encoder",
                f"{', '.join(encoders)}: encoder-only, cannot write text, which {', '.join(writing)} needs "
                "(kept in the list: the studies used them)",
            )
        )
    return lines
