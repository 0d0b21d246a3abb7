#!/usr/bin/env bash
# The scale-out pass needs PostgreSQL and Redis on 127.0.0.1. Absent: say so loudly; in CI, fail.
set -uo pipefail
pg_url="$1"; redis_url="$2"
missing=()
python3 - "$pg_url" "$redis_url" <<'PY' || missing+=("services")
import socket, sys, urllib.parse
bad = []
for url, default in ((sys.argv[1], 5432), (sys.argv[2], 6379)):
    u = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((u.hostname or "127.0.0.1", u.port or default), timeout=2).close()
    except OSError as exc:
        bad.append(f"{u.scheme} at {u.hostname}:{u.port or default}: {exc}")
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
if [ ${#missing[@]} -gt 0 ]; then
  echo "################################################################" >&2
  echo "## PostgreSQL + Redis NOT REACHABLE: the scale-out pass cannot run." >&2
  echo "################################################################" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "(not in CI: skipping the scale-out pass)" >&2
  exit 3
fi
