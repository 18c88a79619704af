#!/usr/bin/env bash
# Installs, once, what the tests need on a Debian 12 machine (root): Debian's Ceph (mon, osd,
# radosgw) with awscli and rclone for the gateway tests, and RabbitMQ, Java 17 and Maven with the
# Kafka and ElasticMQ servers (cached in ~/.m2) for the event-path tests. Fast when already done.
# The tests start and stop the daemons themselves.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$here/cephlab.sh" install
bash "$here/brokers.sh" install
