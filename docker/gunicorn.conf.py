"""gunicorn settings for the web process (docker/Dockerfile). Environment variables tune them."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Processes per container; run several containers (replicas) behind nginx for more.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Excel imports and exports run in Celery; a request taking longer than this is a bug.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# An idle keep-alive connection is closed by its client first (nginx's upstream keepalive_timeout is
# 60 s): closed here first, a request sent as it closes is reset (a 502 through nginx, a failed
# request for a direct client; the load test met 6 in 7,300 with 5 s here).
keepalive = 75
# Recycle workers now and then, so that a slow leak never takes a container down.
max_requests = 2000
max_requests_jitter = 200
# nginx, in front on the same private network, sets X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# One structured line per request comes from the application (common/request_log.py).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Shared memory rather than the container's overlay file system for worker heartbeats.
worker_tmp_dir = "/dev/shm"
