#!/usr/bin/env bash
# Make sure PostgreSQL (5432), Redis (6379) and RabbitMQ (5672) answer on 127.0.0.1, installing
# and starting whichever is missing or down. The test suite's production runs need all three.
set -euo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port, name, seconds
  for _ in $(seq 1 "$3"); do up "$1" && return 0; sleep 1; done
  echo "ensure-services: $2 did not come up on 127.0.0.1:$1" >&2
  return 1
}

apt_updated=""
need() {  # command, debian package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

if ! up 5432; then
  need pg_ctlcluster postgresql
  cluster=$(ls /etc/postgresql | head -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || true
  wait_for 5432 PostgreSQL 60
  # Tests connect as postgres over TCP without a password, as on the development machines.
  if ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    hba=$(ls /etc/postgresql/"$cluster"/main/pg_hba.conf)
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main reload
  fi
fi

if ! up 6379; then
  need redis-server redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis 30
fi

if ! up 5672; then
  need rabbitmq-server rabbitmq-server
  rabbitmq-server -detached
  wait_for 5672 RabbitMQ 120
fi

echo "ensure-services: PostgreSQL, Redis and RabbitMQ are up"
