# should-ai: one image for Slack, Discord, the job worker and the health endpoints.
# Build:  docker build -t should-ai .
# Run:    docker run --env-file .env -p 3000:3000 -v should-ai-data:/data \
#           -v "$PWD/policies:/policies:ro" should-ai
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir uv

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY bot ./bot
COPY handlers ./handlers
COPY policies /policies
RUN uv sync --frozen --no-dev

# Warm the sentence-encoder and example-phrase caches at build time, so the first start of a
# container takes about a second instead of several; an admin's own policy only adds its new phrases.
ENV XDG_CACHE_HOME=/app/.cache
RUN uv run --frozen --no-dev should-ai check --policy-dir /policies "warm up the caches" >/dev/null

RUN useradd --create-home --uid 10001 shouldai && mkdir -p /data \
    && chown -R shouldai /data /app/.cache
USER shouldai

# Admins mount their own policy directory over /policies; edits are reloaded without a restart.
# /data holds the embedded Redis when SHOULD_AI_REDIS_URL is unset.
ENV PATH="/app/.venv/bin:$PATH" \
    SHOULD_AI_POLICY_DIR=/policies \
    SHOULD_AI_DATA_DIR=/data \
    SHOULD_AI_HTTP_PORT=3000
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["should-ai", "health"]

CMD ["should-ai", "serve"]
