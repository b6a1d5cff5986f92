# chainkg's web app and JSON API for a shared server install (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# A CJK font for the chain images, LibreOffice for the PDF plans (converted on this machine).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk libreoffice-writer-nogui \
    && rm -rf /var/lib/apt/lists/*
# Only what the distribution needs (the repo also holds tests, notebooks and a Neo4j cache).
COPY pyproject.toml README.md ./
COPY requirements-lock.txt ./
COPY graph ./graph
COPY ingest ./ingest
COPY analysis ./analysis
COPY workflow ./workflow
COPY api ./api
COPY data ./data
# Installed in place (editable) so the bundled data/ stays next to the packages, where
# `chainkg serve` finds it to build an empty store.
RUN pip install -c requirements-lock.txt -e . && useradd --create-home --uid 10001 chainkg

USER chainkg
EXPOSE 8000
CMD ["chainkg", "serve", "--host", "0.0.0.0"]
