#!/usr/bin/env bash
# A one-node Ceph cluster (1 mon, 1 bluestore OSD, no mgr, no cephx) with an S3 gateway (radosgw)
# on 127.0.0.1, for bucketbridge's integration tests and benchmark. Single zone.
# Recipe and pitfalls: ../shared/notes/ceph-rgw-local.md (pitfall numbers below refer to it).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${CEPHLAB_PORT:-7480}
MON_PORT=${CEPHLAB_MON_PORT:-$((PORT + 10000))}
DIR=${CEPHLAB_DIR:-$REPO/.cephlab}
BLOCK_GIB=${CEPHLAB_BLOCK_GIB:-64}
TIMEOUT=${CEPHLAB_TIMEOUT:-120}
ACCESS_KEY=BUCKETBRIDGETESTKEY0
SECRET_KEY=bucketbridgetestsecret000000000000000000
# A second user: buckets it owns cannot be copied server-side from the first user's, so a copy
# between the two streams through the client.
ALT_ACCESS_KEY=BUCKETBRIDGETESTALT0
ALT_SECRET_KEY=bucketbridgetestaltsecret000000000000000
REGION=us-east-1
ENDPOINT=http://127.0.0.1:$PORT
RGW_NAME=client.rgw.lab
PACKAGES=(ceph-mon ceph-osd radosgw ceph-common awscli rclone curl time util-linux procps)
BINARIES=(ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool rclone curl flock)

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <command>

  install   install the Debian packages (needs root; fast when already installed)
  start     start the lab (idempotent) and print the S3 endpoint
  stop      stop the lab's daemons, keeping its data
  wipe      stop the lab and delete its directory
  env       print 'export' lines for the S3 endpoint, keys and SDK settings
  status    show the daemons and whether S3 answers; exit 0 only if it is up
  compact   compact the OSD's database (RocksDB), as after many objects were written or deleted

environment: CEPHLAB_DIR (default <repo>/.cephlab, not on tmpfs), CEPHLAB_PORT (S3, default 7480),
CEPHLAB_MON_PORT (default S3 port + 10000), CEPHLAB_TIMEOUT (seconds per daemon, default 120),
CEPHLAB_BLOCK_GIB (sparse bluestore file, default 64)
EOF
  exit 2
}

log() { echo "cephlab: $*" >&2; }
die() { log "$*"; exit 1; }

# Relative CEPHLAB_DIR works; every path handed to the daemons must be absolute.
abs_dir() { mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd); CONF=$DIR/ceph.conf; }

cmd_install() {
  local missing=()
  for b in "${BINARIES[@]}"; do command -v "$b" >/dev/null || missing+=("$b"); done
  # awscli v2 from Debian and GNU time, not whatever is first on PATH (pitfall 6).
  [[ -x /usr/bin/aws ]] || missing+=(/usr/bin/aws)
  [[ -x /usr/bin/time ]] || missing+=(/usr/bin/time)
  if ((${#missing[@]} == 0)); then log "already installed"; return; fi
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "install needs root (missing: ${missing[*]})"
    sudo=(sudo)
  fi
  log "installing ${PACKAGES[*]}"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
}

require_binaries() {
  local missing=()
  for b in "${BINARIES[@]}"; do command -v "$b" >/dev/null || missing+=("$b"); done
  ((${#missing[@]} == 0)) ||
    die "Ceph is not installed (missing ${missing[*]}): run 'sudo bash scripts/cephlab.sh install'"
}

# pid of a running daemon of THIS lab, from its pid file; the command line must carry our ceph.conf.
daemon_pid() {
  local f=$DIR/run/$1.pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF" || return 1
  echo "$pid"
}

s3_up() { curl -fsS -m 5 -o /dev/null "$ENDPOINT/" 2>/dev/null; }

# Another lab (or anything else) on our ports would answer in our place: refuse to start then.
port_free() {
  ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null ||
    die "127.0.0.1:$1 is already in use by another process (another lab? set CEPHLAB_PORT / CEPHLAB_MON_PORT)"
}

rgw_ready() { daemon_pid "$RGW_NAME" >/dev/null && s3_up; }

ceph_() { timeout 30 ceph -c "$CONF" --connect-timeout 20 "$@"; }

# wait_for <daemon> <log> <command...>: poll until the command succeeds or TIMEOUT runs out.
wait_for() {
  local what=$1 logf=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$what did not become ready within ${TIMEOUT}s; log: $logf"
      [[ -f $logf ]] && tail -n 20 "$logf" >&2
      exit 1
    fi
    sleep 0.3
  done
}

write_conf() {
  local fsid=$1
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$((MON_PORT + 1))]
# pitfall 2: listen on loopback only
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# pitfall 1: radosgw alone defaults to 'secure', which auth 'none' cannot do
ms mon client mode = crc secure
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
# pitfall 20: do not shut down on a nearly full disk; report HEALTH_OK on a one-OSD lab
mon data avail crit = 0
mon data avail warn = 0
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
# No mgr is run (not needed for S3); without this the lab turns HEALTH_WARN "no active mgr" after 60 s.
mon mgr mkfs grace = 315360000
[mon]
mon data = $DIR/\$name
# pitfall 4: pool creation takes 2 s each without this
paxos propose interval = 0.1
[osd]
osd data = $DIR/\$name
osd objectstore = bluestore
bluestore block path = $DIR/\$name/block.img
bluestore block size = $((BLOCK_GIB * 1024 * 1024 * 1024))
bluestore block create = true
bluestore cache autotune = false
bluestore cache size = 268435456
[client]
# pitfall 23: free deleted data after about 2 minutes, not 2 hours
rgw gc obj min wait = 120
rgw gc processor period = 60
EOF
}

init_cluster() {
  local fsid uuid
  [[ $(stat -f -c %T "$DIR") != tmpfs ]] || die "CEPHLAB_DIR $DIR is on tmpfs; bluestore needs O_DIRECT"
  log "creating a new cluster in $DIR"
  mkdir -p "$DIR/run" "$DIR/log"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$fsid"
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$((MON_PORT + 1))]" \
    "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring" 9>&-
  start_mon
  uuid=$(cat /proc/sys/kernel/random/uuid)
  ceph_ osd new "$uuid" >/dev/null
  mkdir -p "$DIR/osd.0"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" >"$DIR/log/osd.0.mkfs.log" 2>&1 9>&- ||
    die "ceph-osd --mkfs failed; log: $DIR/log/osd.0.mkfs.log"
  touch "$DIR/initialized"
}

start_mon() {
  daemon_pid mon.a >/dev/null && return
  ceph-mon -c "$CONF" -i a 9>&-
  wait_for "ceph-mon (mon.a)" "$DIR/log/mon.a.log" ceph_ mon stat
}

osd_up() { ceph_ osd stat | grep -q ' 1 up'; }

start_osd() {
  if ! daemon_pid osd.0 >/dev/null; then
    # pitfall 3: let glibc give freed memory back
    MALLOC_MMAP_THRESHOLD_=131072 ceph-osd -c "$CONF" -i 0 >>"$DIR/log/osd.0.stderr.log" 2>&1 9>&-
  fi
  wait_for "ceph-osd (osd.0)" "$DIR/log/osd.0.log" osd_up
}

start_rgw() {
  if ! daemon_pid "$RGW_NAME" >/dev/null; then
    # pitfall 5: tcp_nodelay, or every small GET waits for a delayed ACK
    radosgw -c "$CONF" -n "$RGW_NAME" --rgw-frontends="beast endpoint=127.0.0.1:$PORT tcp_nodelay=1" 9>&-
  fi
  wait_for "radosgw ($RGW_NAME)" "$DIR/log/$RGW_NAME.log" rgw_ready
  create_user lab "$ACCESS_KEY" "$SECRET_KEY"
  create_user lab-alt "$ALT_ACCESS_KEY" "$ALT_SECRET_KEY"
}

create_user() {
  radosgw-admin -c "$CONF" user info --uid="$1" >/dev/null 2>&1 ||
    radosgw-admin -c "$CONF" user create --uid="$1" --display-name="$1" \
      --access-key="$2" --secret-key="$3" >/dev/null
}

lock() {
  exec 9>"$DIR/lock"
  flock -w $((TIMEOUT * 3)) 9 || die "another cephlab command holds $DIR/lock"
}

cmd_start() {
  require_binaries
  abs_dir
  lock
  if daemon_pid "$RGW_NAME" >/dev/null && s3_up; then
    log "already running"
  else
    local t0=$SECONDS
    daemon_pid mon.a >/dev/null || port_free "$MON_PORT"
    daemon_pid "$RGW_NAME" >/dev/null || port_free "$PORT"
    [[ -f $DIR/initialized ]] || { rm -rf "${DIR:?}"/{run,log,mon.a,osd.0,ceph.conf,keyring,monmap}; init_cluster; }
    start_mon
    start_osd
    start_rgw
    log "started in $((SECONDS - t0))s; logs in $DIR/log"
  fi
  echo "$ENDPOINT"
}

stop_daemon() {
  local name=$1 pid deadline
  pid=$(daemon_pid "$name") || { rm -f "$DIR/run/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not exit after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/run/$name.pid"
}

cmd_stop() {
  [[ -d $DIR ]] || { log "no lab in $DIR"; return; }
  abs_dir
  lock
  stop_daemon "$RGW_NAME"
  stop_daemon osd.0
  stop_daemon mon.a
  log "stopped"
}

cmd_wipe() {
  [[ -d $DIR ]] || { log "no lab in $DIR"; return; }
  abs_dir
  [[ -f $CONF || -z $(ls -A "$DIR") || $(ls -A "$DIR") == lock ]] ||
    die "$DIR does not look like a cephlab directory; not deleting it"
  cmd_stop
  rm -rf "${DIR:?}"
  log "wiped $DIR"
}

cmd_env() {
  cat <<EOF
export BUCKETBRIDGE_TEST_S3_ENDPOINT=$ENDPOINT
export BUCKETBRIDGE_TEST_S3_ACCESS_KEY_ID=$ACCESS_KEY
export BUCKETBRIDGE_TEST_S3_SECRET_ACCESS_KEY=$SECRET_KEY
export BUCKETBRIDGE_TEST_S3_REGION=$REGION
export CEPHLAB_ALT_ACCESS_KEY_ID=$ALT_ACCESS_KEY
export CEPHLAB_ALT_SECRET_ACCESS_KEY=$ALT_SECRET_KEY
export AWS_ENDPOINT_URL_S3=$ENDPOINT
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_REGION=$REGION
export AWS_DEFAULT_REGION=$REGION
export AWS_EC2_METADATA_DISABLED=true
export AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED
export AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED
EOF
}

cmd_status() {
  local up=0 pid name
  [[ -f $DIR/ceph.conf ]] || { echo "no lab in $DIR"; return 1; }
  abs_dir
  for name in mon.a osd.0 "$RGW_NAME"; do
    if pid=$(daemon_pid "$name"); then echo "$name running (pid $pid)"; else echo "$name stopped"; up=1; fi
  done
  if s3_up; then echo "S3 answers on $ENDPOINT"; else echo "S3 does not answer on $ENDPOINT"; up=1; fi
  if ((up == 0)); then ceph_ health 2>/dev/null | sed 's/^/health: /' || true; fi
  return "$up"
}

# RocksDB compacts on its own, in its time. Until it has, listings after a burst of writes or deletes
# cost the OSD more: a no-op re-sync of 100,000 objects took 3.7-4.1 s before and 3.2-3.9 s after
# this (2.5 s), and 4.6 s against 3.9-4.2 s after an earlier bench run.
cmd_compact() {
  [[ -f $DIR/ceph.conf ]] || die "no lab in $DIR"
  abs_dir
  daemon_pid osd.0 >/dev/null || die "osd.0 is not running (bash $0 start)"
  timeout 600 ceph -c "$CONF" --connect-timeout 20 tell osd.0 compact >/dev/null
}

(($# == 1)) || usage
case $1 in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  wipe) cmd_wipe ;;
  env) cmd_env ;;
  status) cmd_status ;;
  compact) cmd_compact ;;
  *) usage ;;
esac
