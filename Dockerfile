# IQ Gateway emulator as a CI service container.
#
#   docker build -t iq-gateway-emulator .      (podman build --format docker -t iq-gateway-emulator .)
#   docker run -d -p 8443:8443 -e EMULATOR_ADMIN_TOKEN=s3cret iq-gateway-emulator
#
# Configuration is through EMULATOR_* environment variables only (see docs/container.md).
# BASE_IMAGE may be any Debian-like image with python3 >= 3.11 and the venv module; the
# default is the official slim image. Build with `--format docker` under podman, or the
# HEALTHCHECK is dropped (the OCI image format has no health checks).
#
# Behind a TLS-intercepting proxy or a private package index, pass pip's own settings as
# build args (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_TRUSTED_HOST, PIP_CERT); they only
# exist while the build runs and are not kept in the image.
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS build
# Empty defaults: no "missing build argument" warnings when they are not given; the RUN
# below unsets the empty ones, so pip sees only what was passed.
ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_TRUSTED_HOST=
ARG PIP_CERT=
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY emulator ./emulator
# Every dependency comes as a wheel (there is no compiler in the image); pip compiles the
# bytecode at install time, so the non-root user starts fast. The smoke check builds a whole
# emulator (default scenario, CA, token key) from the installed package, so a data file left
# out of the package fails the build rather than the container. pip and setuptools are not
# needed at run time and leave the venv.
RUN for name in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_CERT; do \
        [ -n "$(printenv "$name")" ] || unset "$name"; \
    done \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --prefer-binary . \
    && cd / && /opt/venv/bin/python -c "import pathlib, tempfile; \
from emulator.runtime import Emulator, Settings; \
Emulator(Settings(certs_dir=pathlib.Path(tempfile.mkdtemp())))" \
    && /opt/venv/bin/pip uninstall -y -q pip setuptools \
    && rm -rf /tmp/*

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="iq-gateway-emulator" \
      org.opencontainers.image.description="HTTPS emulator of the Enphase IQ Gateway's local EV-charger API"
RUN groupadd --system --gid 10001 emulator \
    && useradd --system --uid 10001 --gid emulator --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin emulator \
    && mkdir -p /certs /scenarios \
    && chown emulator:emulator /certs \
    && chmod 0755 /certs /scenarios
COPY --from=build /opt/venv /opt/venv
COPY docker/healthcheck.py /opt/emulator/healthcheck.py

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EMULATOR_HOST=0.0.0.0 \
    EMULATOR_PORT=8443 \
    EMULATOR_CLOUD_PORT=9443 \
    EMULATOR_CERTS_DIR=/certs
# Also read, unset by default: EMULATOR_SCENARIO (e.g. /scenarios/day.yaml), EMULATOR_SEED,
# EMULATOR_CLOCK, EMULATOR_EXTRA_NAMES (comma-separated), EMULATOR_ADMIN_TOKEN.
# EMULATOR_CLOUD_PORT=9443: the emulated Enlighten cloud and Entrez (docs/cloud.md).

# /certs: the CA (ca.pem) appears here for the job to read back; keep it to reuse the CA.
# /scenarios: mount scenario files read-only and point EMULATOR_SCENARIO at one.
VOLUME ["/certs", "/scenarios"]
USER emulator:emulator
WORKDIR /scenarios
EXPOSE 8443 9443

HEALTHCHECK --interval=3s --timeout=3s --start-period=20s --retries=3 \
    CMD ["/opt/venv/bin/python", "/opt/emulator/healthcheck.py"]

ENTRYPOINT ["/opt/venv/bin/python", "-m", "emulator"]
CMD ["serve"]
