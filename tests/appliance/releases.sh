# shellcheck shell=bash
# shellcheck disable=SC2154  # repo, work, host_python: set by tests/appliance/run
# The appliance test's city side, on the host (sourced by tests/appliance/run): a city
# backend on the loopback (the container shares the host's network), and signed releases
# built from a temporary copy of this repository with another version number, one of them
# deliberately broken. Nothing here edits the repository itself.
#
# Needs: $repo, $work (an empty directory), $host_python (a Python with the backend extra),
# and run's say.

backend_port=18779
backend_url=http://127.0.0.1:$backend_port
backend_pid=""
release_channel=pilot

host_kiosk() {  # the repository's `kiosk` on the host
    env -u KIOSK_DATA_DIR -u KIOSK_CONFIG PYTHONPATH="$repo" "$host_python" -m motcua "$@"
}

start_backend() {  # a fresh city backend (SQLite) in $work/backend, on 127.0.0.1 only
    mkdir -p "$work/backend"
    # Another server on the port (an earlier run's) would answer in its stead.
    if backend_answers; then
        say "port $backend_port is taken: stop what listens there"
        return 1
    fi
    host_kiosk backend keygen --home "$work/backend" >/dev/null || return 1
    # Not through host_kiosk: $! must be the server itself (env execs Python), so that
    # stop_backend stops it and not a subshell.
    env -u KIOSK_DATA_DIR -u KIOSK_CONFIG PYTHONPATH="$repo" "$host_python" -m motcua backend serve \
        --home "$work/backend" --host 127.0.0.1 --port "$backend_port" --no-access-log \
        >"$work/backend.log" 2>&1 &
    backend_pid=$!
    for _ in $(seq 60); do
        sleep 1
        kill -0 "$backend_pid" 2>/dev/null || return 1
        backend_answers && return 0
    done
    return 1
}

backend_answers() {
    "$host_python" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "$backend_url/healthz" 2>/dev/null
}

stop_backend() {
    # CONT first: a paused server (update-checks.sh) would not act on TERM.
    [[ -n "$backend_pid" ]] && kill -CONT "$backend_pid" 2>/dev/null && kill "$backend_pid" 2>/dev/null
    backend_pid=""
}

backend_sql() {  # one query on the backend's database, its rows printed
    "$host_python" -c "import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2], sys.argv[3:]): print(*row)" \
        "$work/backend/backend.sqlite3" "$@"
}

# The version this repository builds, and the two after it (MAJOR.MINOR.PATCH+1, +2).
repo_version() {
    sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$repo/kiosk/__init__.py"
}
bump_version() {  # VERSION STEPS
    local major minor patch
    IFS=. read -r major minor patch <<<"$1"
    echo "$major.$minor.$((patch + $2))"
}

# A wheel of this repository as it would be built for VERSION, into $work/VERSION/;
# with "broken", its UI (`kiosk run`) exits 1 at start, as a bad build would, while its
# agent, doctor and database code stay sound: what the trial must catch is the UI dying.
build_release() {  # VERSION [broken]
    local version=$1 broken=${2:-} copy="$work/src-$1"
    rm -rf "$copy" && mkdir -p "$copy" "$work/$version"
    (cd "$repo" && git ls-files -z | xargs -0 cp --parents -t "$copy")
    sed -i "s/^__version__ = \".*\"$/__version__ = \"$version\"/" "$copy/kiosk/__init__.py"
    grep -q "^__version__ = \"$version\"$" "$copy/kiosk/__init__.py" || return 1
    if [[ $broken == broken ]]; then
        "$host_python" - "$copy/motcua/cli/run.py" <<'PY' || return 1
import pathlib, sys
path = pathlib.Path(sys.argv[1])
start = "def _run(args: argparse.Namespace, context: Context) -> int:\n"
text = path.read_text()
if text.count(start) != 1:
    sys.exit("the broken build's patch no longer applies: _run not found")
path.write_text(text.replace(start, start + "    raise SystemExit('appliance test: a deliberately broken build')\n"))
PY
    fi
    "$host_python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
        --wheel-dir "$work/$version" "$copy" >/dev/null || return 1
    compgen -G "$work/$version/motcua_kiosk-$version-*.whl" >/dev/null
}

make_release_key() {  # prints the public key; the private one stays in $work
    host_kiosk release keygen "$work/release.key" | sed -n 's/.*update.release_keys //p'
}

# Manifest for the channel, signed with the throwaway key, published at the backend.
publish_release() {  # VERSION PUBLIC_KEY
    local version=$1 public=$2 wheel manifest="$work/$1/manifest.json"
    wheel=$(compgen -G "$work/$version/motcua_kiosk-$version-*.whl")
    host_kiosk release manifest "$wheel" --version "$version" --channel "$release_channel" \
        -o "$manifest" >/dev/null &&
        host_kiosk release sign "$manifest" --key-file "$work/release.key" >/dev/null &&
        host_kiosk backend publish-release "$manifest" "$wheel" --channel "$release_channel" \
            --key "$public" --home "$work/backend"
}
