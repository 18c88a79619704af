#!/usr/bin/env bash
# A two-zone Ceph RGW lab (realm 'lab', zonegroup 'lab', zones 'a' (master) and 'b', one gateway
# each) in one cluster, on 127.0.0.1, for tests that need two gateways whose writes fire their own
# bucket notifications. The cluster (mon + bluestore OSD) comes from scripts/cephlab.sh; the
# multisite sequence is ../shared/notes/ceph-rgw-local.md "Multisite" (pitfalls 16-18 below).
#
# usage: cephlab-multisite.sh start|stop|wipe|env
# environment: CEPHLAB_DIR (required, not tmpfs), CEPHLAB_PORT (zone a's S3 port; zone b on +1;
# the mon on CEPHLAB_MON_PORT, default S3 port + 10000), CEPHLAB_WAIT_DATA_SYNC=1 (start also waits
# until each zone's data sync from the other is caught up: for tests of multisite replication itself)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${CEPHLAB_DIR:?set CEPHLAB_DIR to the lab directory}"
PORT_A=${CEPHLAB_PORT:-7750}
PORT_B=$((PORT_A + 1))
export CEPHLAB_DIR CEPHLAB_PORT=$PORT_A
DIR=$CEPHLAB_DIR
CONF=$DIR/ceph.conf
A=http://127.0.0.1:$PORT_A
B=http://127.0.0.1:$PORT_B
SYSTEM_KEY=LABSYSTEMKEY000000000
SYSTEM_SECRET=labsystemsecret000000000000000000000000
ACCESS_KEY=BUCKETBRIDGETESTKEY0
SECRET_KEY=bucketbridgetestsecret000000000000000000
ALT_ACCESS_KEY=BUCKETBRIDGETESTALT0
ALT_SECRET_KEY=bucketbridgetestaltsecret000000000000000
TIMEOUT=${CEPHLAB_TIMEOUT:-120}

log() { echo "cephlab-multisite: $*" >&2; }
die() { log "$*"; exit 1; }
admin() { timeout 60 radosgw-admin -c "$CONF" "$@"; }

gateway_pid() {
  local f=$DIR/run/client.rgw.$1.pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF" && echo "$pid"
}

answers() { curl -fsS -m 5 -o /dev/null "$1/" 2>/dev/null; }

wait_for() {
  local what=$1 deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what not ready within ${TIMEOUT}s (logs in $DIR/log)"
    sleep 0.3
  done
}

start_gateway() {
  local zone=$1 port=$2
  gateway_pid "$zone" >/dev/null && return
  radosgw -c "$CONF" -n "client.rgw.$zone" --rgw-frontends="beast endpoint=127.0.0.1:$port tcp_nodelay=1" \
    --rgw-realm=lab --rgw-zonegroup=lab --rgw-zone="$zone" --rgw-sync-lease-period=30 9>&-
  wait_for "radosgw zone $zone" answers "http://127.0.0.1:$port"
}

stop_gateway() {
  local pid
  pid=$(gateway_pid "$1") || return 0
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$DIR/run/client.rgw.$1.pid"
}

# Zone b has the realm's users and buckets once its metadata sync caught up; data sync (objects
# written through one zone appearing in the other) follows on its own.
synced() { admin sync status --rgw-zone=b 2>/dev/null | grep -q 'metadata is caught up with master'; }

cmd_start() {
  if gateway_pid a >/dev/null && gateway_pid b >/dev/null && answers "$A" && answers "$B"; then
    echo "$A $B"
    return
  fi
  stop_gateway a
  stop_gateway b
  # The cluster (mon, OSD) and cephlab's single-zone gateway, which is stopped again at once: the
  # zones get gateways of their own.
  bash "$REPO/scripts/cephlab.sh" start >/dev/null
  local pid
  pid=$(<"$DIR/run/client.rgw.lab.pid")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  if [[ ! -f $DIR/multisite ]]; then
    admin realm create --rgw-realm=lab --default >/dev/null
    admin zonegroup create --rgw-realm=lab --rgw-zonegroup=lab --endpoints="$A" --master --default >/dev/null
    admin zone create --rgw-zonegroup=lab --rgw-zone=a --endpoints="$A" --master --default --access-key=$SYSTEM_KEY --secret=$SYSTEM_SECRET >/dev/null
    admin zone create --rgw-zonegroup=lab --rgw-zone=b --endpoints="$B" --access-key=$SYSTEM_KEY --secret=$SYSTEM_SECRET >/dev/null
    admin user create --uid=sync-user --display-name="sync user" --system --access-key=$SYSTEM_KEY --secret=$SYSTEM_SECRET --rgw-zone=a >/dev/null
    admin period update --commit --rgw-realm=lab >/dev/null
    # pitfall 16: users before the gateways, so zone b's first metadata sync takes them at once
    admin user create --uid=lab --display-name=lab --access-key=$ACCESS_KEY --secret-key=$SECRET_KEY --rgw-zone=a >/dev/null
    admin user create --uid=lab-alt --display-name=lab-alt --access-key=$ALT_ACCESS_KEY --secret-key=$ALT_SECRET_KEY --rgw-zone=a >/dev/null
    touch "$DIR/multisite"
  fi
  start_gateway a "$PORT_A"
  start_gateway b "$PORT_B"
  # pitfall 17: zone a's first data sync from b failed while b was down; restart a now b answers
  stop_gateway a
  start_gateway a "$PORT_A"
  wait_for "zone b metadata sync" synced
  [[ ${CEPHLAB_WAIT_DATA_SYNC:-0} == 1 ]] && wait_data_sync
  echo "$A $B"
}

# Zone b's first data sync from a reads a's data log; when a was restarted at that moment it logs
# "init_data_sync_status: ERROR: failed to read remote data log shards" and stays in 'init' for
# many minutes (seen on a loaded 2-core machine). Restart b once if it has not left 'init' in 30 s.
data_synced() { admin sync status --rgw-zone="$1" 2>/dev/null | grep -q 'data is caught up with source'; }
wait_data_sync() {
  local deadline=$((SECONDS + 30))
  until data_synced b; do
    if ((SECONDS >= deadline)); then
      log "zone b's data sync from a is still in init: restarting gateway b"
      stop_gateway b
      start_gateway b "$PORT_B"
      break
    fi
    sleep 1
  done
  wait_for "zone b data sync from a" data_synced b
  wait_for "zone a data sync from b" data_synced a
}

cmd_stop() {
  stop_gateway a
  stop_gateway b
  bash "$REPO/scripts/cephlab.sh" stop
}

cmd_wipe() {
  stop_gateway a
  stop_gateway b
  bash "$REPO/scripts/cephlab.sh" wipe
}

cmd_env() {
  cat <<EOF
export CEPHLAB_ZONE_A_ENDPOINT=$A
export CEPHLAB_ZONE_B_ENDPOINT=$B
export CEPHLAB_ACCESS_KEY_ID=$ACCESS_KEY
export CEPHLAB_SECRET_ACCESS_KEY=$SECRET_KEY
export CEPHLAB_ALT_ACCESS_KEY_ID=$ALT_ACCESS_KEY
export CEPHLAB_ALT_SECRET_ACCESS_KEY=$ALT_SECRET_KEY
EOF
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  wipe) cmd_wipe ;;
  env) cmd_env ;;
  *) echo "usage: $(basename "$0") start|stop|wipe|env" >&2; exit 2 ;;
esac
