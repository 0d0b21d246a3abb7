#!/usr/bin/env bash
# Creates the virtualenv with a Python >= 3.12: the one given, else pyenv's choice from
# .python-version, else the first python3.13 / python3.12 / python3 on PATH that is new enough.
set -euo pipefail
venv="$1"; wanted="${2:-}"
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }
if [ -x "$venv/bin/python" ] && ok "$venv/bin/python"; then exit 0; fi
candidates=()
[ -n "$wanted" ] && candidates+=("$wanted")
if command -v pyenv >/dev/null 2>&1; then
  candidates+=("$(pyenv which python 2>/dev/null || true)")
  v="$(cat .python-version 2>/dev/null || true)"
  [ -n "$v" ] && candidates+=("$(pyenv root)/versions/$v/bin/python")
fi
for d in "$HOME/.pyenv/versions"/3.1[2-9]*/bin/python; do candidates+=("$d"); done
candidates+=(python3.13 python3.12 python3)
for c in "${candidates[@]}"; do
  [ -z "$c" ] && continue
  if command -v "$c" >/dev/null 2>&1 && ok "$c"; then
    echo "creating $venv with $("$c" -V)"
    "$c" -m venv "$venv"
    exit 0
  fi
done
echo "atiende needs Python >= 3.12 (Django 6); none found. Install one (e.g. pyenv install 3.12)." >&2
exit 1
