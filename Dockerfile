# The Reform Dashboard image: web (gunicorn), Celery worker and beat all run from it (docker-compose.yml).
# The annual report's PDF needs Chromium (kaleido draws the charts), the Noto CJK fonts (embedded by
# WeasyPrint) and Pango/HarfBuzz (WeasyPrint's layout); these are the Debian packages .ci/run installs
# for the tests (tests/reports/test_stack.py checks the two lists agree).
# BASE_IMAGE: stack/test.sh builds from a local stand-in (Debian bookworm's Python 3.11 in a venv) where
# no registry is reachable; a deployment keeps the default.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    COMPRESS_STATIC=true

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Only the runtime lock (pip-compile of pyproject's dependencies); requirements/dev.txt adds the test tools.
COPY requirements/runtime.txt requirements/runtime.txt
# pip's own settings may be passed as build arguments (an index mirror, a CA bundle mounted with
# `podman build -v`); unset, pip uses PyPI. They are not kept in the image.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_CERT
RUN pip install -r requirements/runtime.txt

COPY . .
# Static files are collected (compressed and fingerprinted for WhiteNoise) at build time.
RUN DEBUG=true python manage.py collectstatic --noinput -v0 \
    && useradd --create-home --uid 1000 reform \
    && mkdir -p /app/media \
    && chown reform /app/media
USER reform

EXPOSE 8000
CMD ["gunicorn", "reform.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
