#!/bin/sh
# The compose replica: on first start, a base backup of the primary (pg_basebackup -R writes
# standby.signal and primary_conninfo), then PostgreSQL as a hot standby streaming from it.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U replicator -d postgres -q; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -c fast \
    -d "application_name=compose-replica"
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
