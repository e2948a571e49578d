"""Joining split model files, sha256 pinning, verification stamps, and how the weights are chosen."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from assistant.llm import BackendUnavailable
from serving.backends import weights
from serving.backends.weights import (
    PACKAGED,
    PackagedModel,
    ensure_packaged,
    join_parts,
    packaged_model,
    resolve_weights,
    verify,
)
from serving.settings import Settings


def make_parts(tmp_path: Path) -> tuple[list[Path], str]:
    """Three small part files and the sha256 of their concatenation."""
    chunks = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 5]
    paths = []
    for i, chunk in enumerate(chunks):
        p = tmp_path / f"part{i}.bin"
        p.write_bytes(chunk)
        paths.append(p)
    return paths, hashlib.sha256(b"".join(chunks)).hexdigest()


def fake_model(sha: str, n_parts: int) -> PackagedModel:
    return PackagedModel("fake", "Fake", "fake.gguf", sha, 0, tuple(("d", f"p{i}") for i in range(n_parts)), "hint")


def test_pinned_models_are_distinct_and_well_formed() -> None:
    assert set(PACKAGED) == {"qwen2.5-coder-1.5b", "smollm2-135m"}
    for model in PACKAGED.values():
        assert len(model.sha256) == 64
        int(model.sha256, 16)
    assert PACKAGED["qwen2.5-coder-1.5b"].joined
    assert len(PACKAGED["qwen2.5-coder-1.5b"].parts) == 22


def test_join_parts_concatenates_in_order_and_stamps(tmp_path: Path) -> None:
    parts, sha = make_parts(tmp_path)
    dest = join_parts(parts, tmp_path / "models" / "m.gguf", sha)
    assert dest.read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert (tmp_path / "models" / "m.gguf.verified.json").is_file()
    assert [p.name for p in (tmp_path / "models").iterdir() if p.name.startswith(".")] == []  # no temp left


def test_join_parts_refuses_a_wrong_sha_and_leaves_nothing(tmp_path: Path) -> None:
    parts, _ = make_parts(tmp_path)
    with pytest.raises(BackendUnavailable, match="expected"):
        join_parts(parts, tmp_path / "models" / "m.gguf", "0" * 64)
    assert list((tmp_path / "models").iterdir()) == []


def test_verify_refuses_a_corrupted_copy_despite_an_old_stamp(tmp_path: Path) -> None:
    parts, sha = make_parts(tmp_path)
    dest = join_parts(parts, tmp_path / "m.gguf", sha)
    verify(dest, sha)  # the stamp matches
    data = bytearray(dest.read_bytes())
    data[10] ^= 0xFF
    dest.write_bytes(bytes(data))
    with pytest.raises(BackendUnavailable, match="corrupt"):
        verify(dest, sha)


def test_verify_force_rehashes_even_with_a_matching_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts, sha = make_parts(tmp_path)
    dest = join_parts(parts, tmp_path / "m.gguf", sha)
    calls: list[int] = []
    real = weights.sha256_of

    def counting(paths: Iterable[Path]) -> str:
        calls.append(1)
        return real(paths)

    monkeypatch.setattr(weights, "sha256_of", counting)
    verify(dest, sha)
    assert calls == []  # trusted the stamp
    verify(dest, sha, force=True)
    assert calls == [1]


def test_ensure_packaged_joins_once_and_rebuilds_a_damaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts, sha = make_parts(tmp_path)
    model = fake_model(sha, len(parts))
    located: list[int] = []

    def locate(m: PackagedModel) -> list[Path]:
        located.append(1)
        return parts

    monkeypatch.setattr(weights, "locate_parts", locate)
    models_dir = tmp_path / "models"
    first = ensure_packaged(model, models_dir)
    assert ensure_packaged(model, models_dir) == first
    assert located == [1]  # the second call found the verified file
    first.write_bytes(b"damaged")
    assert ensure_packaged(model, models_dir).read_bytes() == b"".join(p.read_bytes() for p in parts)
    assert located == [1, 1]


def test_missing_part_package_names_the_install_command() -> None:
    model = PackagedModel("x", "X model", "x.gguf", "0" * 64, 0, (("no-such-dist-xyz", "a"), ("b", "c")), "make models")
    with pytest.raises(BackendUnavailable, match="no-such-dist-xyz is not installed; make models"):
        weights.locate_parts(model)


def test_unknown_packaged_model_lists_the_valid_ones() -> None:
    with pytest.raises(BackendUnavailable, match="smollm2-135m"):
        packaged_model("gpt-17")


def test_model_path_setting_wins_and_is_checked(tmp_path: Path) -> None:
    parts, sha = make_parts(tmp_path)
    own = join_parts(parts, tmp_path / "own.gguf", sha)
    got = resolve_weights(Settings(home=tmp_path, embedded_model_path=own, embedded_model_sha256=sha))
    assert (got.path, got.source, got.verified) == (own, "path", True)
    unpinned = resolve_weights(Settings(home=tmp_path, embedded_model_path=own))
    assert unpinned.verified is False
    with pytest.raises(BackendUnavailable, match="corrupt"):
        resolve_weights(Settings(home=tmp_path, embedded_model_path=own, embedded_model_sha256="1" * 64))
    with pytest.raises(BackendUnavailable, match="CLINADVISOR_EMBEDDED_MODEL_PATH"):
        resolve_weights(Settings(home=tmp_path, embedded_model_path=tmp_path / "missing.gguf"))


def test_hub_download_offline_fails_with_a_message_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("huggingface_hub")  # part of the [rag] extra; the message below needs it installed
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    settings = Settings(home=tmp_path, embedded_hf_repo="someone/some-model-GGUF", embedded_hf_file="m.gguf")
    with pytest.raises(
        BackendUnavailable, match=r"CLINADVISOR_EMBEDDED_HF_REPO=someone/some-model-GGUF.*HF_HUB_OFFLINE"
    ):
        resolve_weights(settings)


def test_hub_repo_without_file_names_the_missing_setting(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="CLINADVISOR_EMBEDDED_HF_FILE"):
        resolve_weights(Settings(home=tmp_path, embedded_hf_repo="someone/some-model-GGUF"))
