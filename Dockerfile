# Multi-stage build: compile in the Rust image, run from a slim Debian with just the binary.
# Templates and static files are embedded in the binary (rust-embed), so nothing else is copied.

FROM rust:1-bookworm AS build
WORKDIR /src
# Build the dependencies first so code changes do not rebuild them.
COPY Cargo.toml Cargo.lock ./
# The workspace names bench/ as a member: Cargo refuses to load the workspace without it, though
# `cargo build` here builds only the server package.
COPY bench ./bench
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src ./src
COPY templates ./templates
COPY static ./static
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin discock

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data
COPY --from=build /src/target/release/discock /usr/local/bin/discock
# Runs as root on purpose: Amvera mounts the persistent /data volume owned by root, and a
# non-root user could not create the database there.
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:///data/discock.db \
    RUST_LOG=info
EXPOSE 8080
VOLUME ["/data"]
CMD ["discock"]
