# One image for every service of docker-compose.yml: the API (uvicorn), the jobs process
# (APScheduler) and the one-shot migration. Build: docker build -t partagenda .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (PDF reports) needs Pango and HarfBuzz from Debian, and fonts to render with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 partagenda

# The whole project under /app, installed editable: scheduler/migrations.py finds alembic/ and
# alembic.ini next to the packages, as in development.
WORKDIR /app
COPY pyproject.toml constraints.txt README.md alembic.ini ./
COPY alembic ./alembic
COPY solver ./solver
COPY scheduler ./scheduler
COPY api ./api
RUN pip install -c constraints.txt -e . \
    && mkdir -p /var/lib/partagenda/metrics /var/lib/partagenda/output \
    && chown -R partagenda:partagenda /var/lib/partagenda

USER partagenda
ENV PARTAGENDA_OUTPUT_DIR=/var/lib/partagenda/output
EXPOSE 8000

# Liveness of the API; the compose file replaces it (readiness for the API, none for the jobs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]

CMD ["partagenda", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
