#!/usr/bin/env bash
# Installs (from Debian's packages) and starts a Docker engine with the Compose v2 plugin for the tests, without
# systemd, idempotently. Prints the DOCKER_HOST to use on its last line.
set -euo pipefail

ROOT="${SHIPGATE_DOCKER_ROOT:-/var/lib/shipgate-test-docker}"
SOCK="$ROOT/docker.sock"
export DOCKER_HOST="unix://$SOCK"
export DOCKER_CONFIG="${DOCKER_CONFIG:-$HOME/.docker}"
log() { printf '[docker] %s\n' "$*" >&2; }

export DEBIAN_FRONTEND=noninteractive
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq >&2; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >&2
}

# The engine: Debian's docker.io with containerd and runc; busybox-static and tini for the test images.
if ! command -v dockerd >/dev/null 2>&1 || ! command -v containerd >/dev/null 2>&1 || ! [ -x /bin/busybox ] || ! command -v tini >/dev/null 2>&1; then
  log "installing docker.io, containerd, runc, busybox-static, tini"
  apt_install docker.io containerd runc busybox-static tini iptables
fi

# Compose v2: not in this Debian release; the next release's package carries the plugin binary (needs only libc).
PLUGIN="$DOCKER_CONFIG/cli-plugins/docker-compose"
if ! [ -x "$PLUGIN" ] || ! "$PLUGIN" version >/dev/null 2>&1; then
  log "fetching the docker-compose plugin from Debian trixie"
  APTDIR="$(mktemp -d)"
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc/preferences.d" "$APTDIR/etc/apt.conf.d"
  cat > "$APTDIR/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SRC
  touch "$APTDIR/status"
  APTOPTS=(-o "Dir::Etc::SourceList=$APTDIR/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$APTDIR/lists"
           -o "Dir::Cache=$APTDIR/cache" -o "Dir::State::status=$APTDIR/status" -o "Dir::Etc::Preferences=$APTDIR/etc/preferences"
           -o "Dir::Etc::PreferencesParts=$APTDIR/etc/preferences.d" -o "APT::Get::List-Cleanup=0")
  apt-get "${APTOPTS[@]}" update -qq >&2
  (cd "$APTDIR" && apt-get "${APTOPTS[@]}" download docker-compose >&2)
  dpkg-deb -x "$APTDIR"/docker-compose_*.deb "$APTDIR/extract"
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  install -m 0755 "$APTDIR/extract/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN"
  rm -rf "$APTDIR"
fi

# Start the engine on a socket of its own, unless it already answers there.
if ! docker version >/dev/null 2>&1; then
  mkdir -p "$ROOT/data" "$ROOT/exec"
  if [ -f "$ROOT/dockerd.pid" ] && kill -0 "$(cat "$ROOT/dockerd.pid")" 2>/dev/null; then
    kill "$(cat "$ROOT/dockerd.pid")" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$ROOT/dockerd.pid" "$SOCK"
  driver=overlay2
  # overlay2 needs a filesystem that supports it under the data root; vfs always works.
  if ! (mkdir -p "$ROOT/ovl/l" "$ROOT/ovl/u" "$ROOT/ovl/w" "$ROOT/ovl/m" && mount -t overlay overlay -o "lowerdir=$ROOT/ovl/l,upperdir=$ROOT/ovl/u,workdir=$ROOT/ovl/w" "$ROOT/ovl/m" 2>/dev/null && umount "$ROOT/ovl/m"); then
    driver=vfs
  fi
  rm -rf "$ROOT/ovl"
  log "starting dockerd ($driver) at $SOCK"
  nohup dockerd --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
    --host "$DOCKER_HOST" --data-root "$ROOT/data" --exec-root "$ROOT/exec" --pidfile "$ROOT/dockerd.pid" \
    >"$ROOT/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { tail -n 30 "$ROOT/dockerd.log" >&2; exit 1; }
  # Tell scripts/test.sh that this run started the engine, so that it stops it again.
  touch "$ROOT/started-by-setup"
fi
docker compose version >/dev/null
echo "$DOCKER_HOST"
