# syntax=docker/dockerfile:1
#
# docker build -t bimtek-api .
# The image runs `bimtek-api serve` in production mode: it needs DATABASE_URL, JWT_SECRET (or JWT_SECRET_FILE,
# e.g. a mounted secret) and PUBLIC_BASE_URL; see .env.example and docker-compose.yml. The fonts of printed
# documents come from Debian's fonts-dejavu-core (PDF_FONT_DIR defaults to its directory).

# --- build ------------------------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Dependencies first, against placeholder sources: this layer is rebuilt only when Cargo.toml, Cargo.lock or
# build.rs change.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir -p src migrations \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# Then the service itself. The sources are touched so that cargo never mistakes them for the placeholders it
# has already compiled (COPY keeps the modification times of the build context).
COPY src ./src
COPY migrations ./migrations
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -D -m 0755 target/release/bimtek-api /out/bimtek-api

# --- runtime ----------------------------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 bimtek \
    && useradd --uid 10001 --gid bimtek --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin bimtek
COPY --from=builder /out/bimtek-api /usr/local/bin/bimtek-api

ENV HOST=0.0.0.0 \
    PORT=8080 \
    LOG_FORMAT=json
EXPOSE 8080
# Shell form, so that a PORT changed at run time is honoured.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/health/ready" || exit 1
USER bimtek
ENTRYPOINT ["bimtek-api"]
CMD ["serve"]
