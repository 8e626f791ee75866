#!/bin/sh
# Entry point of every service image: `java -jar /app/$MODULE.jar`, as the module's README runs it (JVM
# options: JAVA_TOOL_OPTIONS). Two settings must differ per replica, so a container derives them from its
# own address unless they are given:
#  - the verifier's application.server (VERIFIER_HTTP_ADVERTISED_HOST): the address other verifier replicas
#    proxy status queries to, so it must be reachable from them: the container's IP;
#  - ingest's Kafka transactional.id (INGEST_KAFKA_TRANSACTIONAL_ID): two producers with one id fence each
#    other; the container's host name is unique per replica (and stable across restarts of that container).
# Sinks need nothing here: sink.instance-id defaults to $HOSTNAME in sink-runtime's reference.conf.
set -eu
case "$MODULE" in
  verifier)
    if [ -z "${VERIFIER_HTTP_ADVERTISED_HOST:-}" ]; then
      VERIFIER_HTTP_ADVERTISED_HOST=$(hostname -i 2>/dev/null | cut -d ' ' -f 1)
      case "$VERIFIER_HTTP_ADVERTISED_HOST" in
        '' | 127.*) VERIFIER_HTTP_ADVERTISED_HOST=$(hostname) ;; # no routable address: the name (container DNS)
      esac
      export VERIFIER_HTTP_ADVERTISED_HOST
    fi
    ;;
  ingest)
    if [ -z "${INGEST_KAFKA_TRANSACTIONAL_ID:-}" ]; then
      INGEST_KAFKA_TRANSACTIONAL_ID="erasure-ingest-$(hostname)"
      export INGEST_KAFKA_TRANSACTIONAL_ID
    fi
    ;;
esac
exec java -jar "/app/$MODULE.jar" "$@"
