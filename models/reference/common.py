"""Shared helpers for the reference-oracle scripts: paths, determinism, .npy/.json writers.

Every script imports this module first so that thread counts and deterministic algorithms are fixed before torch
does any work. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# Thread pools must be sized before numpy/torch initialise them (2-core shared machine; also removes any
# dependence of float reductions on the thread count).
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402

REFERENCE_DIR = Path(__file__).resolve().parent
REPO_ROOT = REFERENCE_DIR.parent.parent
FIXTURES_DIR = REPO_ROOT / "models" / "fixtures"
CHECKPOINT_DIR = FIXTURES_DIR / "tiny-qwen3-omni"
MEDIA_DIR = FIXTURES_DIR / "media"
GOLDEN_DIR = FIXTURES_DIR / "golden"

SEED = 20251126


def setup_torch():
    """Import torch with single-threaded, deterministic settings and return the module."""
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set (second call in the same process)
        pass
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return torch


def rel(path: Path) -> str:
    """Repository-relative POSIX path (for json files and log lines)."""
    return Path(path).resolve().relative_to(REPO_ROOT).as_posix()


def write_json(path: Path, obj, *, indent: int = 2) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=indent, ensure_ascii=False, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")


def save_npy(path: Path, array, dtype=None) -> np.ndarray:
    """Write a C-ordered .npy (format chosen by numpy: v1.0 unless the header needs v2). Returns the array written."""
    if hasattr(array, "detach"):
        array = array.detach().cpu().numpy()
    array = np.asarray(array)
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    if array.dtype == np.float16 or array.dtype.kind == "c":
        raise TypeError(f"{path.name}: unsupported dtype {array.dtype}")
    array = np.ascontiguousarray(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)
    return array


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
