# One image for the collector, the Dagster code server, webserver and daemon, and provisioning.
FROM python:3.11-slim
WORKDIR /app
# headless Chromium prints the month-end statement to PDF (mmwatch statement; mmwatch/report/chromium.py)
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY mmwatch ./mmwatch
COPY simulator ./simulator
COPY cli ./cli
COPY pipelines ./pipelines
COPY assets ./assets
COPY resources ./resources
COPY dbt ./dbt
COPY scenarios ./scenarios
COPY config ./config
COPY metabase ./metabase
COPY workspace.yaml ./
# editable: the code finds dbt/, scenarios/ and its templates beside itself in /app
RUN pip install --no-cache-dir -e . --config-settings editable_mode=compat \
 && cd dbt && dbt parse --quiet --project-dir . --profiles-dir .
# the production instance: runs and events in PostgreSQL (credentials from the environment)
ENV MMWATCH_DATA_DIR=/data DAGSTER_HOME=/opt/dagster/home
COPY dagster.yaml /opt/dagster/home/dagster.yaml
