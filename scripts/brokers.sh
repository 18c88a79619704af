#!/usr/bin/env bash
# The message brokers of the event path, on 127.0.0.1 only, for bucketbridge's integration tests:
#   RabbitMQ (Debian's rabbitmq-server, AMQP 0-9-1), Apache Kafka in KRaft mode (one combined
#   broker+controller node) and ElasticMQ (an SQS-compatible server).
# Kafka and ElasticMQ are the real Java servers from Maven Central, pinned in scripts/brokers/pom.xml
# and cached in ~/.m2. RabbitMQ traps: ../shared/notes/ceph-rgw-local.md (pitfall 14).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POM=$REPO/scripts/brokers/pom.xml
# RabbitMQ runs as user rabbitmq: its directory must be reachable by that user, so not under /root.
DIR=${BROKERS_DIR:-/tmp/bucketbridge-brokers}
AMQP_PORT=${BROKERS_AMQP_PORT:-5672}
KAFKA_PORT=${BROKERS_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${BROKERS_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_SASL_PORT=${BROKERS_KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}
KAFKA_SCRAM_USER=bucketbridge
SQS_PORT=${BROKERS_SQS_PORT:-19324}
TIMEOUT=${BROKERS_TIMEOUT:-120}
RABBIT_NODE=${BROKERS_RABBIT_NODE:-bucketbridge-$AMQP_PORT@localhost}
ALL=(rabbitmq kafka elasticmq)

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <command> [broker...]

  install   install RabbitMQ and openssl (apt, needs root) and resolve Kafka and ElasticMQ with Maven (~/.m2)
  start     start the brokers (idempotent); prints the env lines
  stop      stop the brokers started from BROKERS_DIR, keeping their data
  wipe      stop them and delete BROKERS_DIR
  env       print 'export' lines for the tests (AMQP URL, Kafka bootstrap servers, Kafka SASL_SSL
            listener with its CA and SCRAM user, SQS endpoint)
  status    show each broker; exit 0 only if all asked for answer

brokers: ${ALL[*]} (default: all)
environment: BROKERS_DIR (default /tmp/bucketbridge-brokers), BROKERS_AMQP_PORT (5672; Erlang
distribution on port + 20000, epmd on its default 4369), BROKERS_KAFKA_PORT (19092, PLAINTEXT;
controller on port + 1, BROKERS_KAFKA_CONTROLLER_PORT; SASL_SSL with SCRAM-SHA-512 on port + 2,
BROKERS_KAFKA_SASL_PORT), BROKERS_SQS_PORT (19324), BROKERS_TIMEOUT (120 s each)
EOF
  exit 2
}

log() { echo "brokers: $*" >&2; }
die() { log "$*"; exit 1; }

abs_dir() { mkdir -p "$DIR" && DIR=$(cd "$DIR" && pwd); }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

port_free() {
  ! port_open "$1" || die "127.0.0.1:$1 is already in use by another process (set BROKERS_*_PORT)"
}

wait_for() {
  local what=$1 logf=$2 deadline=$((SECONDS + TIMEOUT))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "$what did not become ready within ${TIMEOUT}s; log: $logf"
      [[ -f $logf ]] && tail -n 30 "$logf" >&2
      exit 1
    fi
    sleep 0.5
  done
}

# pid of a Java broker started from THIS directory (its command line names the directory).
java_pid() {
  local f=$DIR/$1/pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/$1" || return 1
  echo "$pid"
}

# ---------------------------------------------------------------- install

classpath_file() { echo "$DIR/$1/classpath"; }

resolve() {
  local profile=$1 out
  out=$(classpath_file "$profile")
  mkdir -p "$(dirname "$out")"
  if [[ -s $out && $out -nt $POM ]] && tr ':' '\n' <"$out" | xargs -r ls >/dev/null 2>&1; then return; fi
  command -v mvn >/dev/null || die "Maven is not installed (apt-get install maven)"
  log "resolving $profile with Maven (cached in ~/.m2)"
  mvn -B -q -Dstyle.color=never -f "$POM" -P"$profile" dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile="$out" </dev/null >&2 || die "Maven could not resolve $profile (see above)"
}

cmd_install() {
  if ! command -v rabbitmq-server >/dev/null || ! command -v java >/dev/null || ! command -v mvn >/dev/null ||
    ! command -v openssl >/dev/null; then
    ((EUID == 0)) || die "install needs root to apt-get install rabbitmq-server, Java, Maven and openssl"
    log "installing rabbitmq-server, Java 17, Maven and openssl (Kafka's test certificates) (apt)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      rabbitmq-server openjdk-17-jre-headless maven openssl
  fi
  abs_dir
  resolve kafka
  resolve elasticmq
  log "installed"
}

# ---------------------------------------------------------------- RabbitMQ

rabbit_env() {
  local d=$DIR/rabbitmq
  # pitfall 14: loopback only, for AMQP, the Erlang distribution and epmd
  export RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$AMQP_PORT
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log RABBITMQ_PID_FILE=$d/pid
  # No plugins (the management UI stays off), and no /etc/rabbitmq files of the machine.
  export RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins RABBITMQ_CONFIG_FILE=$d/rabbitmq
  export RABBITMQ_CONF_ENV_FILE=$d/rabbitmq-env.conf RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config
}

rabbit_ctl() { rabbit_env; timeout 30 rabbitmqctl -q -n "$RABBIT_NODE" "$@"; }

rabbit_pid() {
  local f=$DIR/rabbitmq/pid pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] || return 1
  # The node name is in the environment, not the command line: the pid file (ours) names the node.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- '-s rabbit boot' || return 1
  echo "$pid"
}

rabbit_ready() { rabbit_ctl status >/dev/null 2>&1 && port_open "$AMQP_PORT"; }

start_rabbitmq() {
  command -v rabbitmq-server >/dev/null || die "RabbitMQ is not installed: run 'bash scripts/brokers.sh install' as root"
  if rabbit_pid >/dev/null && rabbit_ready; then log "rabbitmq already running"; return; fi
  port_free "$AMQP_PORT"
  local d=$DIR/rabbitmq
  mkdir -p "$d/mnesia" "$d/log"
  printf '[].\n' >"$d/enabled_plugins"
  : >"$d/rabbitmq.conf"
  : >"$d/rabbitmq-env.conf"
  printf '[].\n' >"$d/advanced.config"
  # pitfall 14: the start script switches to user rabbitmq, which must own its directories.
  chown -R rabbitmq:rabbitmq "$d"
  chmod o+x "$DIR"
  rabbit_env
  nohup rabbitmq-server >"$d/log/stdout.log" 2>&1 </dev/null 9>&- &
  wait_for rabbitmq "$d/log/stdout.log" rabbit_ready
}

stop_rabbitmq() {
  rabbit_pid >/dev/null || { log "rabbitmq not running"; return 0; }
  rabbit_ctl stop >/dev/null 2>&1 || true
  local pid deadline=$((SECONDS + 30))
  while pid=$(rabbit_pid) && ((SECONDS < deadline)); do sleep 0.5; done
  if pid=$(rabbit_pid); then kill -KILL "$pid" 2>/dev/null || true; fi
  # pitfall 14: epmd stays; stop it only when no other Erlang node is registered with it.
  if ! epmd -names 2>/dev/null | grep -q '^name '; then epmd -kill >/dev/null 2>&1 || true; fi
}

# ---------------------------------------------------------------- Kafka (KRaft)

start_kafka() {
  local d=$DIR/kafka
  if java_pid kafka >/dev/null && port_open "$KAFKA_PORT"; then log "kafka already running"; return; fi
  port_free "$KAFKA_PORT"
  port_free "$KAFKA_CONTROLLER_PORT"
  port_free "$KAFKA_SASL_PORT"
  resolve kafka
  mkdir -p "$d/data" "$d/log"
  kafka_tls
  kafka_scram_password >/dev/null
  cat >"$d/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$d/tls/broker.pem
log.dirs=$d/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$d/log4j2.properties" <<EOF
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$d/log/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
EOF
  local cp java_opts=(-Xms128m -Xmx512m -XX:+UseSerialGC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$d/log4j2.properties" "-Dkafka.logs.dir=$d/log")
  cp=$(<"$(classpath_file kafka)")
  if [[ ! -f $d/data/meta.properties ]]; then
    local cluster_id
    cluster_id=$(java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid 2>>"$d/log/format.log")
    # The SCRAM user is written into the new cluster's metadata: no extra JVM at start.
    java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$d/server.properties" --add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$(kafka_scram_password)]" \
      >>"$d/log/format.log" 2>&1 || { tail -n 20 "$d/log/format.log" >&2; die "kafka storage format failed"; }
    : >"$d/scram-user"
  fi
  nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$d/server.properties" >"$d/log/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$d/pid"
  wait_for kafka "$d/log/server.log" kafka_ready
  if [[ ! -f $d/scram-user ]]; then
    # A data directory formatted before the SASL_SSL listener existed: add the user through the broker.
    java "${java_opts[@]}" -cp "$cp" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter \
      --entity-type users --entity-name "$KAFKA_SCRAM_USER" --add-config "SCRAM-SHA-512=[password=$(kafka_scram_password)]" \
      >>"$d/log/format.log" 2>&1 || { tail -n 20 "$d/log/format.log" >&2; die "kafka: could not create the SCRAM user $KAFKA_SCRAM_USER"; }
    : >"$d/scram-user"
  fi
}

# The SASL_SSL listener's certificate: a self-signed CA and a broker certificate for 127.0.0.1 and
# localhost, made once with openssl and kept in BROKERS_DIR (Kafka reads PEM keystores directly).
kafka_tls() {
  local t=$DIR/kafka/tls
  [[ -s $t/broker.pem && -s $t/ca.pem ]] && return
  command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
  mkdir -p "$t"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=bucketbridge test CA' \
      -keyout "$t/ca.key" -out "$t/ca.pem" &&
      openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout "$t/broker.key" -out "$t/broker.csr" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$t/broker.ext" &&
      openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 3650 \
        -extfile "$t/broker.ext" -out "$t/broker.crt"
  } >"$t/openssl.log" 2>&1 || { tail -n 20 "$t/openssl.log" >&2; die "kafka: could not make the test certificates"; }
  # PEM keystore: the PKCS#8 key, then the certificate chain.
  cat "$t/broker.key" "$t/broker.crt" "$t/ca.pem" >"$t/broker.pem.tmp" && mv "$t/broker.pem.tmp" "$t/broker.pem"
}

# The SCRAM user's password: random, made once, kept in BROKERS_DIR (a test-only broker).
kafka_scram_password() {
  local f=$DIR/kafka/scram-password
  if [[ ! -s $f ]]; then
    mkdir -p "$(dirname "$f")"
    (umask 077 && openssl rand -hex 16 >"$f.tmp") && mv "$f.tmp" "$f"
  fi
  cat "$f"
}

kafka_ready() {
  java_pid kafka >/dev/null && port_open "$KAFKA_PORT" && port_open "$KAFKA_SASL_PORT" &&
    grep -q 'Kafka Server started' "$DIR/kafka/log/server.log"
}

# ---------------------------------------------------------------- ElasticMQ (SQS)

start_elasticmq() {
  local d=$DIR/elasticmq
  if java_pid elasticmq >/dev/null && elasticmq_ready; then log "elasticmq already running"; return; fi
  port_free "$SQS_PORT"
  resolve elasticmq
  mkdir -p "$d/log"
  cat >"$d/elasticmq.conf" <<EOF
include classpath("application.conf")
node-address {
  protocol = http
  host = 127.0.0.1
  port = $SQS_PORT
  context-path = ""
}
rest-sqs {
  enabled = true
  bind-port = $SQS_PORT
  bind-hostname = "127.0.0.1"
  sqs-limits = strict
}
rest-stats.enabled = false
EOF
  local cp
  cp=$(<"$(classpath_file elasticmq)")
  nohup java -Xms64m -Xmx256m -XX:+UseSerialGC "-Dconfig.file=$d/elasticmq.conf" -Dbucketbridge.dir="$d" \
    -cp "$cp" org.elasticmq.server.Main >"$d/log/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$d/pid"
  wait_for elasticmq "$d/log/stdout.log" elasticmq_ready
}

elasticmq_ready() {
  curl -fsS -m 5 -o /dev/null "http://127.0.0.1:$SQS_PORT/?Action=ListQueues" 2>/dev/null
}

stop_java() {
  local name=$1 pid deadline
  pid=$(java_pid "$name") || { rm -f "$DIR/$name/pid"; log "$name not running"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not exit after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/$name/pid"
}

# ---------------------------------------------------------------- commands

lock() {
  exec 9>"$DIR/lock"
  flock -w $((TIMEOUT * 3)) 9 || die "another brokers command holds $DIR/lock"
}

cmd_start() {
  abs_dir
  lock
  local b t0
  for b in "${BROKERS[@]}"; do
    t0=$SECONDS
    "start_$b"
    log "$b up ($((SECONDS - t0))s)"
  done
  cmd_env
}

cmd_stop() {
  [[ -d $DIR ]] || { log "no brokers in $DIR"; return; }
  abs_dir
  lock
  local b
  for b in "${BROKERS[@]}"; do
    case $b in
      rabbitmq) stop_rabbitmq ;;
      *) stop_java "$b" ;;
    esac
  done
  log "stopped ${BROKERS[*]}"
}

cmd_wipe() {
  [[ -d $DIR ]] || { log "no brokers in $DIR"; return; }
  BROKERS=("${ALL[@]}")
  cmd_stop
  rm -rf "${DIR:?}"
  log "wiped $DIR"
}

cmd_env() {
  abs_dir
  cat <<EOF
export BUCKETBRIDGE_TEST_AMQP_URL=amqp://127.0.0.1:$AMQP_PORT
export BUCKETBRIDGE_TEST_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export BUCKETBRIDGE_TEST_SQS_ENDPOINT=http://127.0.0.1:$SQS_PORT
export BUCKETBRIDGE_TEST_KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT
export BUCKETBRIDGE_TEST_KAFKA_CA_FILE=$DIR/kafka/tls/ca.pem
export BUCKETBRIDGE_TEST_KAFKA_SASL_USERNAME=$KAFKA_SCRAM_USER
export BUCKETBRIDGE_TEST_KAFKA_SASL_PASSWORD=$(cat "$DIR/kafka/scram-password" 2>/dev/null)
EOF
}

cmd_status() {
  abs_dir
  local up=0 b
  for b in "${BROKERS[@]}"; do
    case $b in
      rabbitmq) if rabbit_ready; then echo "rabbitmq answers on amqp://127.0.0.1:$AMQP_PORT (node $RABBIT_NODE)"; else echo "rabbitmq down"; up=1; fi ;;
      kafka) if kafka_ready; then echo "kafka answers on 127.0.0.1:$KAFKA_PORT (pid $(java_pid kafka))"; else echo "kafka down"; up=1; fi ;;
      elasticmq) if elasticmq_ready; then echo "elasticmq answers on http://127.0.0.1:$SQS_PORT"; else echo "elasticmq down"; up=1; fi ;;
    esac
  done
  return "$up"
}

(($# >= 1)) || usage
command=$1
shift
BROKERS=("$@")
((${#BROKERS[@]} > 0)) || BROKERS=("${ALL[@]}")
for b in "${BROKERS[@]}"; do
  [[ " ${ALL[*]} " == *" $b "* ]] || die "unknown broker '$b' (one of: ${ALL[*]})"
done
case $command in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  wipe) cmd_wipe ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) usage ;;
esac
