# prolobot as a container image: built with the official Rust image, run on slim Debian as a user
# without privileges.
#
#   docker build -t prolobot .
#   docker run -d --name prolobot -e DISCORD_TOKEN=... -v "$PWD/faq:/faq:ro" -v prolobot-data:/data prolobot
#
# faq.toml lives in the /faq volume (edit it on the host: the bot reloads it), the insights
# database in the /data volume. Settings come from the environment (see .env.example); the image
# sets PROLOBOT_FAQ and PROLOBOT_DB to those volumes. `docker stop` sends SIGTERM, which the bot
# handles by closing its Discord connection and exiting. compose.yaml does all of this for you.

# Any Rust from 1.91 (Cargo.toml's rust-version) builds it; this is the one the tests run with.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin prolobot

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin prolobot \
    && mkdir -p /faq /data \
    && chown prolobot:prolobot /data
COPY --from=build /src/target/release/prolobot /usr/local/bin/prolobot
# The shipped FAQ, so that a new named volume on /faq starts with it.
COPY faq.toml /faq/faq.toml
ENV PROLOBOT_FAQ=/faq/faq.toml \
    PROLOBOT_DB=/data/prolobot.db
USER prolobot
WORKDIR /data
VOLUME ["/faq", "/data"]
# The binary is PID 1 (exec form, no shell): SIGTERM reaches it and it stops cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/prolobot"]
CMD ["run"]
