#!/usr/bin/env bash
# Build the image and run the production topology on this machine with podman: web, task
# worker, outbox worker and scheduler containers, against PostgreSQL and Redis on the host and
# a moto S3 server on the host (no registry needed), then deploy/smoke.py against it.
# Usage (from the repository root, after `make install`): deploy/smoke-podman.sh
set -euo pipefail
cd "$(dirname "$0")/.."
W=${PODMAN_WORK:-/work/podman}
mkdir -p "$W"
export CONTAINERS_CONF=$W/containers.conf
[ -f "$CONTAINERS_CONF" ] || printf '[containers]\ndefault_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' > "$CONTAINERS_CONF"
P="podman --root $W/storage --runroot $W/run"
if ! $P image exists localhost/debian-base:bookworm; then
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
  rm -rf "$W/rootfs"; debootstrap --variant=minbase bookworm "$W/rootfs" "$MIRROR" >/dev/null
  rm -rf "$W"/rootfs/var/cache/apt/archives/*.deb "$W"/rootfs/var/lib/apt/lists/*
  tar -C "$W/rootfs" -c . | $P import - localhost/debian-base:bookworm >/dev/null
fi
$P build -q --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt \
  --build-arg BASE=localhost/debian-base:bookworm -f deploy/Containerfile -t localhost/ticketdesk:latest .

DB=td_smoke; S3=19000; PORT=18000
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" postgres
.venv/bin/moto_server -H 127.0.0.1 -p $S3 >/dev/null 2>&1 & MOTO=$!
cleanup() { $P rm -f -t 3 td-web td-worker td-outbox td-scheduler >/dev/null 2>&1 || true; kill $MOTO 2>/dev/null || true; }
trap cleanup EXIT
sleep 2
.venv/bin/python -c "import boto3; boto3.client('s3', endpoint_url='http://127.0.0.1:$S3', aws_access_key_id='t', aws_secret_access_key='t', region_name='us-east-1').create_bucket(Bucket='ticketdesk')"
ENV=(-e SECRET_KEY=smoke-secret-key-smoke-secret-key-smoke-secret-key -e DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
     -e REDIS_URL=redis://127.0.0.1:6379/5 -e TICKETDESK_S3_BUCKET=ticketdesk
     -e TICKETDESK_S3_ENDPOINT_URL=http://127.0.0.1:$S3 -e TICKETDESK_S3_ACCESS_KEY=t
     -e TICKETDESK_S3_SECRET_KEY=t -e TICKETDESK_S3_REGION=us-east-1
     -e SITE_URL=http://127.0.0.1:$PORT -e TICKETDESK_BIND=127.0.0.1:$PORT)
RUN="$P run --network=host ${ENV[*]}"
$RUN --rm localhost/ticketdesk:latest ticketdesk migrate -v0
$RUN --rm localhost/ticketdesk:latest ticketdesk createagent admin admin@example.com --role admin --password smoke-pass-123 >/dev/null
$RUN -d --name td-web localhost/ticketdesk:latest sh -c "mkdir -p \$PROMETHEUS_MULTIPROC_DIR && exec gunicorn ticketdesk.wsgi:application --bind 127.0.0.1:$PORT --workers 2 --threads 4 --worker-class gthread" >/dev/null
$RUN -d --name td-worker localhost/ticketdesk:latest ticketdesk db_worker --queue-name '*' >/dev/null
$RUN -d --name td-outbox localhost/ticketdesk:latest ticketdesk outbox work >/dev/null
$RUN -d --name td-scheduler localhost/ticketdesk:latest ticketdesk scheduler >/dev/null
TOKEN=$($P exec td-web ticketdesk apitoken create admin --name smoke --scope write | grep -o 'tdk_[A-Za-z0-9_-]*' | head -1)
USER_ID=$($P exec td-web ticketdesk shell -c "from ticketdesk.accounts.models import User; print(User.objects.get(username='admin').pk)" | tail -1)
$P exec td-web id
.venv/bin/python deploy/smoke.py --url http://127.0.0.1:$PORT --token "$TOKEN" --password smoke-pass-123 \
  --user-id "$USER_ID" --ingest "$P exec -i td-web ticketdesk mail ingest"
echo "objects in the bucket: $(.venv/bin/python -c "import boto3; print(boto3.client('s3', endpoint_url='http://127.0.0.1:$S3', aws_access_key_id='t', aws_secret_access_key='t', region_name='us-east-1').list_objects_v2(Bucket='ticketdesk').get('KeyCount'))")"
