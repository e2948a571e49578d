"""The stage of a request by the labelled requests nearest to it in meaning (a third reader of the stage).

The phrase rules and the small language model each read a task off the user's words; both miss wordings
they were not written for ("keep the consultants from drowning in the overnight admissions"). The bench sets
hold several hundred requests written by other people, each labelled with its workflow stage; a request
whose nearest few labelled requests (sentence embeddings, the same model as the literature search) mostly
share one stage is very likely of that stage (0.99 of such requests on sets the examples did not come from,
see ``bench/stage_examples.py``). The guess is only ever a stage, never an answer to a question.

The vectors are computed once by ``python -m index.stage_examples`` and shipped with the package. The
message's vector comes from the function the wiring layer hands to ``use_embedder`` (serving, the CLI, the
benchmarks: ``index.embeddings``); without one there is no vote, so a light install reads with the other
two readers. A benchmark that measures a set leaves that set's own examples out
(``CLINADVISOR_STAGE_EXAMPLES_EXCLUDE``), so that no figure is read off the answer key.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DATA_FILE = Path(__file__).resolve().parent / "data" / "stage_examples.npz"
EXCLUDE_ENV = "CLINADVISOR_STAGE_EXAMPLES_EXCLUDE"
NEIGHBOURS = 7
# Share of the neighbours' similarity that must go to one stage, and how close the nearest example must be
# at least: below these, a request is too unlike every example (a greeting, a question about canteens).
MIN_SHARE = 0.7
MIN_NEAREST = 0.5
FILL_NEAREST = 0.6  # where no reader found a need at all
ROLE_SHARE = 0.8  # against the stage of the user's stated role
# A message's unit vector, or None while the model is not ready (a server's requests never wait for it).
QueryEmbedder = Callable[[str], "Sequence[float] | None"]
_embed: QueryEmbedder | None = None


@dataclass(frozen=True)
class StageGuess:
    """A stage and how sure the examples are of it."""

    stage: str
    share: float  # of the neighbours' summed similarity
    nearest: float  # cosine similarity of the closest example
    neighbours: tuple[str, ...]  # their ids, closest first


@dataclass(frozen=True)
class Examples:
    """The shipped labelled requests: one vector, stage, set and id each."""

    vectors: np.ndarray
    stages: tuple[str, ...]
    sets: tuple[str, ...]
    ids: tuple[str, ...]


@lru_cache(maxsize=4)
def load_examples(exclude: frozenset[str] = frozenset()) -> Examples | None:
    """The shipped examples less those of the ``exclude`` sets; None when the data file is missing."""
    import numpy as np

    if not DATA_FILE.is_file():
        return None
    with np.load(DATA_FILE, allow_pickle=False) as data:
        sets = tuple(str(s) for s in data["sets"])
        keep = [i for i, s in enumerate(sets) if s not in exclude]
        return Examples(
            vectors=data["vectors"][keep].astype(np.float32),
            stages=tuple(str(data["stages"][i]) for i in keep),
            sets=tuple(sets[i] for i in keep),
            ids=tuple(str(data["ids"][i]) for i in keep),
        )


def excluded_sets() -> frozenset[str]:
    """The example sets a benchmark asked to leave out (comma-separated file stems in the environment)."""
    raw = os.environ.get(EXCLUDE_ENV, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def use_embedder(embed: QueryEmbedder | None) -> None:
    """Set how a message becomes a vector for the vote (None: no vote); the layer that wires the app calls it."""
    global _embed
    _embed = embed


def leave_out(*names: str) -> None:
    """Leave these sets' examples out of every later guess of this process and its children."""
    os.environ[EXCLUDE_ENV] = ",".join(sorted(excluded_sets() | set(names)))


def guess_stage(text: str, *, min_share: float = MIN_SHARE, min_nearest: float = MIN_NEAREST) -> StageGuess | None:
    """The stage most of the nearest labelled requests have, when they agree enough; None otherwise.

    None too when no embedder is wired or it has no vector yet: the other readers then decide alone.
    """
    if _embed is None or not text.strip():
        return None
    examples = load_examples(excluded_sets())
    if examples is None or not examples.ids:
        return None
    query = _embed(text)
    if query is None:
        return None
    return nearest_stage(examples, query, min_share=min_share, min_nearest=min_nearest)


def nearest_stage(
    examples: Examples, query: Sequence[float], *, min_share: float = MIN_SHARE, min_nearest: float = MIN_NEAREST
) -> StageGuess | None:
    """The similarity-weighted vote of the ``NEIGHBOURS`` examples closest to ``query`` (a unit vector)."""
    import numpy as np

    similarity = examples.vectors @ np.asarray(query, dtype=np.float32)
    closest = np.argsort(-similarity)[:NEIGHBOURS]
    votes: dict[str, float] = defaultdict(float)
    for i in closest:
        votes[examples.stages[i]] += max(float(similarity[i]), 0.0)
    total = sum(votes.values())
    if total <= 0:
        return None
    stage, weight = max(votes.items(), key=lambda vote: vote[1])
    share, nearest = weight / total, float(similarity[closest[0]])
    if share < min_share or nearest < min_nearest:
        return None
    return StageGuess(stage, round(share, 3), round(nearest, 3), tuple(examples.ids[i] for i in closest))
