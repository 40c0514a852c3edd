#!/usr/bin/env bash
# A local Redis Cluster for the tests and for a developer: six redis-server
# processes (3 masters + 3 replicas) on 127.0.0.1, no persistence, formed with
# `redis-cli --cluster create`. Data dirs live in a cache folder, outside the repo.
#
#   bash scripts/redis-cluster.sh start    # start missing nodes, form the cluster once, wait for cluster_state:ok
#   bash scripts/redis-cluster.sh stop     # stop all six nodes and forget the cluster (next start forms it afresh)
#   bash scripts/redis-cluster.sh status   # exit 0 and the node list when cluster_state:ok, 3 otherwise
#
# start and stop are no-ops when already in that state. Prints REDIS_CLUSTER_NODES.
# Settings (environment): REDIS_CLUSTER_BASE_PORT (7000), REDIS_CLUSTER_NODE_TIMEOUT_MS (1000),
# MOLAM_REDIS_CLUSTER_DIR (~/.cache/molam-redis-cluster).
set -euo pipefail

BASE=${REDIS_CLUSTER_BASE_PORT:-7000}
NODE_TIMEOUT=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-1000}
DIR=${MOLAM_REDIS_CLUSTER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/molam-redis-cluster}/$BASE
PORTS=$(seq "$BASE" $((BASE + 5)))
NODES=$(for p in $PORTS; do printf '127.0.0.1:%s,' "$p"; done); NODES=${NODES%,}

say() { printf 'redis-cluster: %s\n' "$*" >&2; }
cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
up() { cli "$1" ping 2>/dev/null | grep -q PONG; }
state_ok() { cli "$1" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; }
# Every node agrees: a client may ask any of them for the slot map.
all_ok() { for p in $PORTS; do state_ok "$p" || return 1; done; }
known_nodes() { cli "$1" cluster info 2>/dev/null | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p'; }

start_node() { # start_node <port>: same flags on a fresh start and when a killed node comes back
  mkdir -p "$DIR/$1"
  redis-server --port "$1" --bind 127.0.0.1 --daemonize yes --dir "$DIR/$1" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout "$NODE_TIMEOUT" \
    --save "" --appendonly no --logfile "$DIR/$1/redis.log" --pidfile "$DIR/$1/redis.pid"
}

wait_until() { # wait_until <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do (( SECONDS < deadline )) || return 1; sleep 0.2; done
}

start() {
  local t0; t0=$(date +%s%3N)
  for p in $PORTS; do up "$p" || start_node "$p"; done
  for p in $PORTS; do wait_until 10 up "$p" || { say "node $p did not start (log: $DIR/$p/redis.log)"; exit 1; }; done
  if [[ "$(known_nodes "$BASE")" != 6 ]]; then
    say "forming the cluster (3 masters, 3 replicas)"
    # shellcheck disable=SC2086
    redis-cli --cluster create $(tr ',' ' ' <<<"$NODES") --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 \
      || { cat "$DIR/create.log" >&2; exit 1; }
  fi
  wait_until 30 all_ok || { say "cluster_state is not ok after 30 s"; exit 1; }
  say "ready in $(( $(date +%s%3N) - t0 )) ms"
  echo "REDIS_CLUSTER_NODES=$NODES"
}

stop() {
  for p in $PORTS; do up "$p" && cli "$p" shutdown nosave >/dev/null 2>&1 || true; done
  for p in $PORTS; do wait_until 10 bash -c "! redis-cli -h 127.0.0.1 -p $p ping >/dev/null 2>&1" || true; done
  # No persistence: a stopped cluster has no data worth keeping, and stale nodes.conf would block re-forming.
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    all_ok || { say "not running (start it: bash scripts/redis-cluster.sh start)"; exit 3; }
    cli "$BASE" cluster nodes | awk '{print $2, $3}'
    echo "REDIS_CLUSTER_NODES=$NODES" ;;
  restart-node) start_node "${2:?port}" ;; # brings back a node a test killed (it rejoins as a replica)
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
