# One image for every service of docker-compose.yml: the API (uvicorn), the jobs process
# (APScheduler) and the one-shot migration. Build: docker build -t partagenda .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (PDF reports) needs Pango and HarfBuzz from Debian, and the fonts the report asks
# for: DejaVu Sans, and DejaVu Sans Mono (the digest), which Debian 13 (the base of python:3.11-slim
# since 2025) ships apart in fonts-dejavu-mono, only recommended by fonts-dejavu-core.
RUN apt-get update \
    && mono="$(apt-cache show fonts-dejavu-mono >/dev/null 2>&1 && echo fonts-dejavu-mono || true)" \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core $mono \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 partagenda

WORKDIR /app

# The dependencies first, in their own layer: a change to the code does not reinstall them.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project under /app, installed editable: scheduler/migrations.py finds alembic/ and
# alembic.ini next to the packages, as in development.
COPY README.md alembic.ini ./
COPY alembic ./alembic
COPY solver ./solver
COPY scheduler ./scheduler
COPY api ./api
RUN pip install --no-deps -c constraints.txt -e . \
    && mkdir -p /var/lib/partagenda/metrics /var/lib/partagenda/output \
    && chown -R partagenda:partagenda /var/lib/partagenda

USER partagenda
ENV PARTAGENDA_OUTPUT_DIR=/var/lib/partagenda/output
EXPOSE 8000

# Liveness of the API; the compose file replaces it (readiness for the API, none for the jobs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]

CMD ["partagenda", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
